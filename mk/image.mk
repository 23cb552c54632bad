# Offline image scans (issue 12): scan/image, its hive reader scan/image/hive,
# and internal/imagelab (test images built from real hives with hivex).
FUZZ_TARGETS += ./scan/image/hive:FuzzOpen
