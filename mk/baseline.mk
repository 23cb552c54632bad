# Configuration checks (issue 16): fuzz the baseline loader (--baseline-file
# is outside input) and the parsers of the hive values an image's
# configuration facts come from (SAM, SECURITY, LanmanServer\Shares).
FUZZ_TARGETS += ./baseline:FuzzLoad
FUZZ_TARGETS += ./scan/image:FuzzConfigHiveValues
FUZZ_TARGETS += ./scan/winrm:FuzzParseConfigOutput
