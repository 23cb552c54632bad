/* Entry point of every PE fixture. The fixtures are never run: only their
   headers and version resources are read, so the code is one function and
   the images are linked without a C runtime (-nostdlib) to stay small. */
int entry(void) { return 0; }
