/*
 * iouring_exit_delay: how long after close(2) an io_uring ring's registered buffer stays
 * charged (VmPin), i.e. when io_ring_exit_work runs io_ring_ctx_free (io_uring/io_uring.c).
 * The default of pinsim's CostModel.IO_RING_EXIT_WORK_NS comes from this program.
 *
 *   gcc -O2 -o /tmp/iouring_exit_delay bench/kernel/iouring_exit_delay.c && sudo /tmp/iouring_exit_delay 15
 *
 * Runs as root, then drops to uid 65001 (with CAP_IPC_LOCK io_uring charges nothing).
 * Measured on Linux 6.18 (HZ=250): 15.9 ms in 11 of 15 runs, 19.9 ms in 3, 27.9 ms once.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <linux/io_uring.h>
static long vmpin(void){char b[4096];FILE*f=fopen("/proc/self/status","r");long v=-1;while(fgets(b,sizeof b,f)) if(!strncmp(b,"VmPin:",6)) v=atol(b+6);fclose(f);return v;}
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e3+t.tv_nsec/1e6;}
int main(int argc,char**argv){
  if(setuid(65001)){perror("setuid");return 1;}
  void*buf=mmap(0,65536,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS,-1,0);
  memset(buf,1,65536);
  int runs=argc>1?atoi(argv[1]):20;
  for(int r=0;r<runs;r++){
    struct io_uring_params p; memset(&p,0,sizeof p);
    int fd=syscall(SYS_io_uring_setup,4,&p); if(fd<0){perror("setup");return 1;}
    struct iovec iov={buf,65536};
    if(syscall(SYS_io_uring_register,fd,IORING_REGISTER_BUFFERS,&iov,1)){perror("reg");return 1;}
    long before=vmpin();
    double t0=now(); close(fd);
    long v; int polls=0; while((v=vmpin())!=0){polls++; if(now()-t0>5000)break;}
    printf("run %d: VmPin before %ld kB, zero after %.3f ms (%d polls)\n",r,before,now()-t0,polls);
  }
  return 0;}
