#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>
int main(void){ char *p = malloc(200000); memset(p, 1, 200000); char *q = malloc(100); mlock(q, 100); free(p); return 0; }
