/* Entry point of the lab's srv.sys fixtures: they are never run, only
   their version resources are read. */
int DriverEntry(void *driver, void *path) { (void)driver; (void)path; return 0; }
