/* vpdpbusd emulated exactly for x86 levels without VNNI: per 32-bit lane, the sum of 4
 * products of uint8 `a` and int8 `b` bytes, added to `acc`. Even and odd bytes go through
 * 16-bit multiply-adds (a zero-extended, b sign-extended; 255·127·2 fits in int16's madd).
 * Shared by the int8 GEMM and the direct convolution. */
#ifndef DLK_DOT4_X86_H
#define DLK_DOT4_X86_H
#include <immintrin.h>

__attribute__((target("avx2"))) static inline __m256i dlk_dot4_avx2(__m256i acc, __m256i a, __m256i b) {
    const __m256i lo = _mm256_set1_epi16(0x00ff);
    __m256i a_even = _mm256_and_si256(a, lo), a_odd = _mm256_srli_epi16(a, 8);
    __m256i b_even = _mm256_srai_epi16(_mm256_slli_epi16(b, 8), 8), b_odd = _mm256_srai_epi16(b, 8);
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(a_even, b_even));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(a_odd, b_odd));
}

__attribute__((target("avx512f,avx512bw"))) static inline __m512i dlk_dot4_avx512bw(__m512i acc, __m512i a, __m512i b) {
    const __m512i lo = _mm512_set1_epi16(0x00ff);
    __m512i a_even = _mm512_and_si512(a, lo), a_odd = _mm512_srli_epi16(a, 8);
    __m512i b_even = _mm512_srai_epi16(_mm512_slli_epi16(b, 8), 8), b_odd = _mm512_srai_epi16(b, 8);
    acc = _mm512_add_epi32(acc, _mm512_madd_epi16(a_even, b_even));
    return _mm512_add_epi32(acc, _mm512_madd_epi16(a_odd, b_odd));
}
#endif
