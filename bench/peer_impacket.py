#!/usr/bin/python3
"""Benchmark peer (issue 7): what a user would script with impacket to read
the same facts patchscan reads, one host after another.

Usage: peer_impacket.py FACTS.json DOMAIN USER HOST:PORT [HOST:PORT ...]
The password comes from the PATCHSCAN_PASSWORD environment variable (never
the command line). FACTS.json is written by `go run ./bench`:
  {"registry": [{"key": "SOFTWARE\\...", "name": "X", "kind": "value"|"key"}],
   "files":    [{"share": "ADMIN$", "path": "System32\\x.dll"}]}

Per host: one SMB session; the winreg pipe bound once; for every registry
fact the key is opened, the value queried and the key closed (as impacket's
reg.py and most scripts do); every file is fetched over SMB and its
FILEVERSION read with pefile. Prints one JSON line per host with the wall
time measured inside the script (interpreter start-up excluded).
"""
import io
import json
import os
import sys
import time

import pefile
from impacket.dcerpc.v5 import rrp, transport
from impacket.smbconnection import SMBConnection


def file_version(data):
    pe = pefile.PE(data=data, fast_load=True)
    pe.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY['IMAGE_DIRECTORY_ENTRY_RESOURCE']])
    for info in getattr(pe, 'VS_FIXEDFILEINFO', None) or []:
        ms, ls = info.FileVersionMS, info.FileVersionLS
        return '%d.%d.%d.%d' % (ms >> 16, ms & 0xffff, ls >> 16, ls & 0xffff)
    return ''


def scan(target, facts, domain, user, password):
    host, port = target.rsplit(':', 1)
    begin = time.monotonic()
    conn = SMBConnection(host, host, sess_port=int(port))
    conn.login(user, password, domain)
    t = transport.SMBTransport(host, int(port), filename=r'\winreg', smb_connection=conn)
    dce = t.get_dce_rpc()
    dce.connect()
    dce.bind(rrp.MSRPC_UUID_RRP)
    hklm = rrp.hOpenLocalMachine(dce, samDesired=rrp.KEY_READ)['phKey']
    found = 0
    for f in facts['registry']:
        try:
            key = rrp.hBaseRegOpenKey(dce, hklm, f['key'], samDesired=rrp.KEY_READ)['phkResult']
        except rrp.DCERPCSessionError:
            continue
        try:
            if f['kind'] == 'key':
                found += 1
            else:
                rrp.hBaseRegQueryValue(dce, key, f['name'])
                found += 1
        except rrp.DCERPCSessionError:
            pass
        finally:
            rrp.hBaseRegCloseKey(dce, key)
    versions = []
    for f in facts['files']:
        buf = io.BytesIO()
        try:
            conn.getFile(f['share'], f['path'], buf.write)
        except Exception:  # absent or unreadable: as patchscan, go on
            versions.append('')
            continue
        versions.append(file_version(buf.getvalue()))
    dce.disconnect()
    conn.logoff()
    conn.close()
    return {'target': target, 'wall': time.monotonic() - begin, 'registry_found': found,
            'files_versioned': sum(1 for v in versions if v), 'versions': sorted(set(versions))}


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    facts = json.load(open(sys.argv[1]))
    domain, user = sys.argv[2], sys.argv[3]
    password = os.environ['PATCHSCAN_PASSWORD']
    for target in sys.argv[4:]:
        try:
            out = scan(target, facts, domain, user, password)
        except Exception as e:  # report, never hide, a failed host
            out = {'target': target, 'error': str(e)}
        print(json.dumps(out), flush=True)


if __name__ == '__main__':
    main()
