# DCE/RPC interfaces beyond MS-RRP: the NDR codec and the read-only MS-SAMR,
# MS-SRVS, MS-LSAD/LSAT and MS-SCMR clients (issue 10.6, issue 16).

# Fuzz targets for the decoders of server replies.
FUZZ_TARGETS += ./internal/msrpc/ndr:FuzzDecode
FUZZ_TARGETS += ./internal/msrpc/dtyp:FuzzParseSecurityDescriptor
FUZZ_TARGETS += ./internal/samr:FuzzDecodeReplies
FUZZ_TARGETS += ./internal/lsad:FuzzDecodeReplies
FUZZ_TARGETS += ./internal/srvs:FuzzDecodeReplies
FUZZ_TARGETS += ./internal/scmr:FuzzDecodeReplies
