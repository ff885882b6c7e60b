/**
 * Triton's system shared memory extension: POSIX shared-memory objects ({@code /dev/shm/<key>}) that a
 * client registers by name and then names in infer requests instead of sending tensor bytes. Inputs
 * are read from the mapped region without a copy; outputs are written into it. One
 * {@link dev.nereid.sharedmemory.SystemSharedMemory} serves a server's HTTP and gRPC front ends alike.
 */
package dev.nereid.sharedmemory;
