# SMB transport, DCE/RPC + MS-RRP client and the Samba lab (issue 3).

.PHONY: lab lab-shared lab-pe
# lab starts the Samba lab hosts for a person (root), prints how to scan them; Ctrl-C stops it.
lab: deps
	$(GO) build -o bin/patchscan-lab ./internal/lab/cmd/patchscan-lab
	./bin/patchscan-lab

# lab-shared starts one lab smbd on 0.0.0.0:$(LAB_PORT) (every 127.x address reaches it).
LAB_PORT ?= 10445
lab-shared: deps
	$(GO) build -o bin/patchscan-lab ./internal/lab/cmd/patchscan-lab
	./bin/patchscan-lab -shared -port $(LAB_PORT)

# lab-pe rebuilds the lab's PE fixtures with mingw-w64 (reproducible bytes).
lab-pe:
	./testdata/lab/pe/build.sh

# Fuzz targets for the hostile-server decoders (DCE/RPC PDUs, MS-RRP replies).
FUZZ_TARGETS += ./internal/msrpc:FuzzDecodePDU
FUZZ_TARGETS += ./internal/rrp:FuzzDecodeResponses
FUZZ_TARGETS += ./scan/smb:FuzzFrameConn
