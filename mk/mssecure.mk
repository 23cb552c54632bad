# Importer of Microsoft's mssecure.xml (catalog/mssecure).
FUZZ_TARGETS += ./catalog/mssecure:FuzzParse
