# MSRC CVRF importer (catalog/msrc): fuzz target.
FUZZ_TARGETS += ./catalog/msrc:FuzzParse
