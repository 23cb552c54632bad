#!/usr/bin/python3
"""Reads configuration facts from a lab host with impacket's own RPC clients
(samr, lsad/lsat, srvs, scmr) and prints them as JSON: the reference the Go
clients in internal/ are compared against.

Usage: rpc_dump.py HOST PORT DOMAIN USER samr|lsad|srvs|scmr|fsattr [SID...|SHARE...]
(lsad names the SIDs given; fsattr reads FileFsAttributeInformation of the
root of each administrative share given, e.g. C$ D$.)
The password comes from the PATCHSCAN_PASSWORD environment variable (never
the command line). Only read calls are made.
"""
import json
import os
import struct
import sys

from impacket.dcerpc.v5 import lsad, lsat, samr, scmr, srvs, transport
from impacket import smb3structs
from impacket.dcerpc.v5.rpcrt import DCERPCException
from impacket.smbconnection import SMBConnection


def bind(conn, host, port, pipe, uuid):
    t = transport.SMBTransport(host, port, filename=pipe, smb_connection=conn)
    dce = t.get_dce_rpc()
    dce.connect()
    dce.bind(uuid)
    return dce


def ftime(v):
    return (v['HighPart'] << 32) | (v['LowPart'] & 0xffffffff)


def dump_samr(dce):
    server = samr.hSamrConnect(dce)['ServerHandle']
    names = [d['Name'] for d in samr.hSamrEnumerateDomainsInSamServer(dce, server)['Buffer']['Buffer']]
    acct = [n for n in names if n.lower() != 'builtin'][0]
    sid = samr.hSamrLookupDomainInSamServer(dce, server, acct)['DomainId']
    dom = samr.hSamrOpenDomain(dce, server, samr.DOMAIN_LIST_ACCOUNTS | samr.DOMAIN_LOOKUP, sid)['DomainHandle']
    users = []
    for u in samr.hSamrEnumerateUsersInDomain(dce, dom)['Buffer']['Buffer']:
        h = samr.hSamrOpenUser(dce, dom, samr.USER_READ_GENERAL | samr.USER_READ_PREFERENCES |
                               samr.USER_READ_LOGON | samr.USER_READ_ACCOUNT, u['RelativeId'])['UserHandle']
        a = samr.hSamrQueryInformationUser2(dce, h, samr.USER_INFORMATION_CLASS.UserAllInformation)['Buffer']['All']
        users.append({'rid': u['RelativeId'], 'name': a['UserName'], 'fullname': a['FullName'],
                      'control': a['UserAccountControl'], 'pwdlastset': ftime(a['PasswordLastSet']),
                      'primarygroup': a['PrimaryGroupId']})
    builtin_sid = samr.hSamrLookupDomainInSamServer(dce, server, 'Builtin')['DomainId']
    builtin = samr.hSamrOpenDomain(dce, server, samr.DOMAIN_LIST_ACCOUNTS | samr.DOMAIN_LOOKUP, builtin_sid)['DomainHandle']
    alias = samr.hSamrOpenAlias(dce, builtin, samr.ALIAS_LIST_MEMBERS, 544)['AliasHandle']
    members = [m['SidPointer'].formatCanonical() for m in samr.hSamrGetMembersInAlias(dce, alias)['Members']['Sids']]
    named = {}
    dsid = sid.formatCanonical()
    rids = [int(m.rsplit('-', 1)[1]) for m in members if m.rsplit('-', 1)[0] == dsid]
    if rids:
        r = samr.hSamrLookupIdsInDomain(dce, dom, rids)
        for rid, n in zip(rids, r['Names']['Element']):
            named['%s-%d' % (dsid, rid)] = n['Data']
    return {'domain': acct, 'sid': dsid, 'users': users, 'admins': members, 'names': named}


def dump_lsad(dce, sids):
    out = {}
    try:
        h = lsad.hLsarOpenPolicy2(dce, lsad.POLICY_VIEW_AUDIT_INFORMATION)['PolicyHandle']
        a = lsad.hLsarQueryInformationPolicy(dce, h, lsad.POLICY_INFORMATION_CLASS.PolicyAuditEventsInformation)
        a = a['PolicyInformation']['PolicyAuditEventsInfo']
        out['audit'] = {'mode': a['AuditingMode'], 'options': [int(o['Data']) for o in a['EventAuditingOptions']]}
    except DCERPCException as e:
        out['audit_error'] = e.get_error_code()
    h = lsad.hLsarOpenPolicy2(dce, lsad.POLICY_LOOKUP_NAMES)['PolicyHandle']
    try:
        r = lsat.hLsarLookupSids(dce, h, sids, lsat.LSAP_LOOKUP_LEVEL.LsapLookupWksta)
    except DCERPCException as e:
        if e.get_error_code() != 0x107:  # STATUS_SOME_NOT_MAPPED: the reply is in the exception
            raise
        r = e.get_packet()
    doms = [d['Name'] for d in r['ReferencedDomains']['Domains']]
    names = []
    for sid, n in zip(sids, r['TranslatedNames']['Names']):
        d = doms[n['DomainIndex']] if 0 <= n['DomainIndex'] < len(doms) else ''
        names.append({'sid': sid, 'use': n['Use'], 'name': n['Name'], 'domain': d})
    out['names'] = names
    return out


def dump_srvs(dce):
    out = {}
    for level in (502, 1):
        shares = []
        r = srvs.hNetrShareEnum(dce, level)
        for s in r['InfoStruct']['ShareInfo']['Level%d' % level]['Buffer']:
            e = {'name': s['shi%d_netname' % level][:-1], 'type': s['shi%d_type' % level],
                 'remark': s['shi%d_remark' % level][:-1]}
            if level == 502:
                e['path'] = s['shi502_path'][:-1]
                e['sd'] = b''.join(s['shi502_security_descriptor']).hex() if s['shi502_security_descriptor'] else ''
            shares.append(e)
        out['level%d' % level] = shares
    return out


def dump_scmr(dce):
    scm = scmr.hROpenSCManagerW(dce, dwDesiredAccess=scmr.SC_MANAGER_ENUMERATE_SERVICE)['lpScHandle']
    services = []
    for s in scmr.hREnumServicesStatusW(dce, scm):
        e = {'name': s['lpServiceName'][:-1], 'display': s['lpDisplayName'][:-1],
             'type': s['ServiceStatus']['dwServiceType'], 'state': s['ServiceStatus']['dwCurrentState']}
        try:
            h = scmr.hROpenServiceW(dce, scm, s['lpServiceName'], scmr.SERVICE_QUERY_CONFIG)['lpServiceHandle']
            c = scmr.hRQueryServiceConfigW(dce, h)['lpServiceConfig']
            e['start'] = c['dwStartType']
            e['path'] = c['lpBinaryPathName'][:-1]
            e['account'] = c['lpServiceStartName'][:-1]
            scmr.hRCloseServiceHandle(dce, h)
        except DCERPCException as ex:
            e['config_error'] = ex.get_error_code()
        services.append(e)
    return {'services': services}


def dump_fsattr(conn, shares):
    smb = conn.getSMBServer()
    out = {}
    for share in shares:
        tid = conn.connectTree(share)
        fid = smb.create(tid, '', 0x80, 0x7, 0x1, 0x1, 0)  # FILE_READ_ATTRIBUTES, share all, directory, open
        try:
            b = smb.queryInfo(tid, fid, infoType=smb3structs.SMB2_0_INFO_FILESYSTEM,
                              fileInfoClass=smb3structs.SMB2_FILESYSTEM_ATTRIBUTE_INFO)
        finally:
            smb.close(tid, fid)
        attrs, _, n = struct.unpack('<IiI', b[:12])
        out[share] = {'attributes': attrs, 'name': b[12:12 + n].decode('utf-16-le')}
    return out


def main():
    host, port, domain, user, what = sys.argv[1:6]
    port = int(port)
    conn = SMBConnection(host, host, sess_port=port)
    conn.login(user, os.environ['PATCHSCAN_PASSWORD'], domain)
    if what == 'samr':
        out = dump_samr(bind(conn, host, port, r'\samr', samr.MSRPC_UUID_SAMR))
    elif what == 'srvs':
        out = dump_srvs(bind(conn, host, port, r'\srvsvc', srvs.MSRPC_UUID_SRVS))
    elif what == 'scmr':
        out = dump_scmr(bind(conn, host, port, r'\svcctl', scmr.MSRPC_UUID_SCMR))
    elif what == 'fsattr':
        out = dump_fsattr(conn, sys.argv[6:])
    elif what == 'lsad':
        out = dump_lsad(bind(conn, host, port, r'\lsarpc', lsad.MSRPC_UUID_LSAD), sys.argv[6:])
    else:
        raise SystemExit('unknown interface ' + what)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == '__main__':
    main()
