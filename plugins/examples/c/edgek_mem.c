/*
 * edgek_mem.c: the linear-memory allocator behind edgek_alloc/edgek_free
 * for the C examples: a first-fit free list over memory from __heap_base
 * up, growing the memory with memory.grow. Blocks are 16-byte aligned
 * (v128 loads) and followed by 64 bytes of slack, so a SIMD kernel may read
 * a vector past the end of any buffer it was given.
 */
#include "edgek.h"

extern unsigned char __heap_base;

#define ALIGN 16
#define SLACK 64
#define PAGE 65536

typedef struct block {
  size_t size; /* usable bytes, a multiple of ALIGN */
  struct block *next;
  size_t pad[2]; /* header is ALIGN bytes */
} block;

static uintptr_t brk;
static block *free_list;

static int grow_to(uintptr_t end) {
  uintptr_t have = (uintptr_t)__builtin_wasm_memory_size(0) * PAGE;
  if (end <= have) return 1;
  uintptr_t pages = (end - have + PAGE - 1) / PAGE;
  return __builtin_wasm_memory_grow(0, pages) != (size_t)-1;
}

void *edgek_mem_alloc(size_t n) {
  if (n > 0x7fff0000u) return 0;
  size_t size = (n + SLACK + ALIGN - 1) & ~(size_t)(ALIGN - 1);
  for (block **p = &free_list; *p; p = &(*p)->next) {
    block *b = *p;
    if (b->size >= size) {
      *p = b->next;
      return (unsigned char *)b + sizeof(block);
    }
  }
  if (brk == 0) brk = ((uintptr_t)&__heap_base + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
  uintptr_t end = brk + sizeof(block) + size;
  if (end < brk || !grow_to(end)) return 0;
  block *b = (block *)brk;
  b->size = size;
  brk = end;
  return (unsigned char *)b + sizeof(block);
}

void edgek_mem_free(void *p) {
  if (!p) return;
  block *b = (block *)((unsigned char *)p - sizeof(block));
  if ((uintptr_t)b + sizeof(block) + b->size == brk) {
    brk = (uintptr_t)b; /* the last block: give it back to the break */
    return;
  }
  b->next = free_list;
  free_list = b;
}

EDGEK_EXPORT(edgek_alloc) int32_t edgek_alloc(int32_t n) {
  if (n < 0) return 0;
  return (int32_t)(uintptr_t)edgek_mem_alloc((size_t)n);
}

EDGEK_EXPORT(edgek_free) void edgek_free(int32_t p) { edgek_mem_free((void *)(uintptr_t)p); }

void *memcpy(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  while (n--) *d++ = *s++;
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  unsigned char *d = dst;
  while (n--) *d++ = (unsigned char)c;
  return dst;
}
