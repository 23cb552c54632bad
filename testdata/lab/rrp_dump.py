#!/usr/bin/python3
"""Reads registry values from a lab host with impacket's MS-RRP client and
prints them as JSON: the reference the Go client is compared against.

Usage: rrp_dump.py HOST PORT DOMAIN USER 'KEY' ['KEY' ...]
The password comes from the PATCHSCAN_PASSWORD environment variable (never
the command line). For each key (relative to HKLM) it prints every value
(name, type, hex data) and every subkey name, or the Win32 error.
"""
import json
import os
import sys

from impacket.dcerpc.v5 import rrp, transport
from impacket.smbconnection import SMBConnection


def query_raw(dce, key, name):
    """BaseRegQueryValue returning the raw bytes, with the ERROR_MORE_DATA
    two-step (impacket's hBaseRegQueryValue decodes strings)."""
    size = 512
    for _ in range(3):
        req = rrp.BaseRegQueryValue()
        req['hKey'] = key
        req['lpValueName'] = name + '\x00'
        req['lpData'] = b' ' * size
        req['lpcbData'] = size
        req['lpcbLen'] = size
        try:
            resp = dce.request(req)
        except rrp.DCERPCSessionError as e:
            if e.get_error_code() == 234:  # ERROR_MORE_DATA
                size = e.get_packet()['lpcbData']
                continue
            raise
        return resp['lpType'], b''.join(resp['lpData'])[:resp['lpcbLen']]
    raise RuntimeError('ERROR_MORE_DATA three times')


def dump_key(dce, hklm, path):
    try:
        key = rrp.hBaseRegOpenKey(dce, hklm, path, samDesired=rrp.KEY_READ)['phkResult']
    except rrp.DCERPCSessionError as e:
        return {'error': e.get_error_code()}
    values = []
    i = 0
    while True:
        try:
            r = rrp.hBaseRegEnumValue(dce, key, i)
            name = r['lpValueNameOut']
        except rrp.DCERPCSessionError as e:
            if e.get_error_code() == 0x103:  # ERROR_NO_MORE_ITEMS
                break
            if e.get_error_code() != 234:
                values.append({'error': e.get_error_code()})
                break
            # Data larger than the buffer: the name came back; query it.
            name = e.get_packet()['lpValueNameOut']
        name = name[:-1] if name.endswith('\x00') else name
        typ, data = query_raw(dce, key, name)
        values.append({'name': name, 'type': typ, 'data': data.hex()})
        i += 1
    subkeys = []
    i = 0
    while True:
        try:
            r = rrp.hBaseRegEnumKey(dce, key, i)
        except rrp.DCERPCSessionError as e:
            if e.get_error_code() != 0x103:
                subkeys.append({'error': e.get_error_code()})
            break
        subkeys.append(r['lpNameOut'].rstrip('\x00'))
        i += 1
    rrp.hBaseRegCloseKey(dce, key)
    return {'values': values, 'subkeys': subkeys}


def main():
    host, port, domain, user = sys.argv[1:5]
    keys = sys.argv[5:]
    conn = SMBConnection(host, host, sess_port=int(port))
    conn.login(user, os.environ['PATCHSCAN_PASSWORD'], domain)
    t = transport.SMBTransport(host, int(port), filename=r'\winreg', smb_connection=conn)
    dce = t.get_dce_rpc()
    dce.connect()
    dce.bind(rrp.MSRPC_UUID_RRP)
    hklm = rrp.hOpenLocalMachine(dce, samDesired=rrp.KEY_READ)['phKey']
    out = {'version': rrp.hBaseRegGetVersion(dce, hklm)['lpdwVersion'], 'keys': {}}
    for k in keys:
        out['keys'][k] = dump_key(dce, hklm, k)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == '__main__':
    main()
