/* One microkernel entry's dispatch on `rows` (the rows of C this tile has, 1 … MR): each row
 * count gets its own instantiation of NAME(body), so the compiler unrolls the rows fully.
 * Included by sgemm_template.h inside ukr, ukr_direct and ukr_direct_narrow, with ROWS_CASE,
 * NVC (vectors of columns), RSA and PSA (A's row and depth strides) defined there. */
    switch (rows) {
#if MR > 1
    ROWS_CASE(1)
#endif
#if MR > 2
    ROWS_CASE(2)
#endif
#if MR > 3
    ROWS_CASE(3)
#endif
#if MR > 4
    ROWS_CASE(4)
#endif
#if MR > 5
    ROWS_CASE(5)
#endif
#if MR > 6
    ROWS_CASE(6)
#endif
#if MR > 7
    ROWS_CASE(7)
#endif
#if MR > 8
    ROWS_CASE(8)
#endif
#if MR > 9
    ROWS_CASE(9)
#endif
#if MR > 10
    ROWS_CASE(10)
#endif
#if MR > 11
    ROWS_CASE(11)
#endif
    default: NAME(body)(MR, NVC, kc, pa, RSA, PSA, pb, ldpb, c, ldc, alpha, beta, bias, act); return;
    }
