/* Direct-convolution tiles written once, instantiated per ISA by conv_direct.c, which defines:
 *   T                 function attribute (target(...))
 *   NAME(x)           name suffix
 *   L, NVMAX          lanes per vector (pixels), vectors per tile (the tile is 8 channels × NV·L pixels)
 *   VF, VI, MT        float vector, int32 vector, lane mask
 *   MASK(bits)        MT from the low L bits of an integer
 *   LOADF(p, m)       L floats, masked-off lanes 0     LOADF_MERGE(v, p, m)  masked-off lanes from v
 *   LOADI(p, m, pad)  L int32 lanes (4 bytes each), masked-off lanes `pad`
 *   SETF(x) SETI(x) ZEROF() ZEROI()
 *   FMA(a, b, acc)    acc + a·b          VDOT(acc, x, w)  acc + Σ of 4 byte products (x u8, w s8)
 *   ACTF(v, kind)     the fused activation (1 relu, 2 relu6)
 *   STOREF(p, v, m)   masked store of L floats
 *   REQ_STORE(p, acc, off, mult, lo, hi, zp, m)   requantize L int32 lanes, masked store of L bytes
 * The context type dconv_ctx and the mask lookup come from conv_direct.c. */

/* Tile (channel block ob, pixels [p0, p0 + NV·L)) of images n0…n1 − 1 seen as one row of
 * pixels (image after image), fp32. A vector that runs past the end of an image takes its
 * remaining lanes from the start of the next one (a second, merging load; STRADDLE tiles
 * only), so planes of any size fill every lane. */
T static inline __attribute__((always_inline)) void
NAME(f32_tile)(const dconv_ctx *c, const float *x, float *y, size_t n0, size_t n1, size_t p0, size_t ob,
               const int NV, const int ACT, const int STRADDLE) {
    const dlk_dconv_geometry *g = c->g;
    const size_t taps = g->taps, G = c->G, in_image = g->in_c * c->in_plane, out_image = g->out_c * G;
    const float *xa[NVMAX], *xb[NVMAX];
    float *ya[NVMAX], *yb[NVMAX];
    size_t qa[NVMAX], av[NVMAX];
    uint32_t lanes_a[NVMAX], lanes_b[NVMAX];
    DLK_UNROLL for (int v = 0; v < NVMAX; v++) {
        if (v >= NV) break;
        size_t p = p0 + (size_t)v * L, n = n0 + p / G, q = p % G;
        size_t a = G - q < (size_t)L ? G - q : (size_t)L;
        qa[v] = q;
        av[v] = a;
        xa[v] = x + n * in_image + q;
        ya[v] = y + n * out_image + q + ob * 8 * G;
        lanes_a[v] = (1u << a) - 1;
        lanes_b[v] = 0;
        xb[v] = xa[v];
        yb[v] = ya[v];
        if (STRADDLE && a < (size_t)L && n + 1 < n1) {   /* lane l >= a is pixel l − a of image n + 1 */
            xb[v] = x + (n + 1) * in_image - a;
            yb[v] = y + (n + 1) * out_image - a + ob * 8 * G;
            lanes_b[v] = ((1u << L) - 1) & ~lanes_a[v];
        }
    }
    VF acc[8][NVMAX];
    DLK_UNROLL for (int o = 0; o < 8; o++) {
        size_t oc = ob * 8 + (size_t)o;
        VF b = c->bias && oc < g->out_c ? SETF(c->bias[oc]) : ZEROF();
        DLK_UNROLL for (int v = 0; v < NVMAX; v++) if (v < NV) acc[o][v] = b;
    }
    const float *wp = c->wf + ob * c->k * 8;
    /* taps outside, channels inside: a tap's lane masks are set up once for all channels */
    for (size_t s = 0; s < taps; s++) {
        MT ma[NVMAX], mb[NVMAX];
        const float *pa[NVMAX], *pb[NVMAX];
        DLK_UNROLL for (int v = 0; v < NVMAX; v++) {
            if (v >= NV) break;
            ma[v] = MASK(bits_at(c, qa[v], s) & lanes_a[v]);
            pa[v] = xa[v] + g->offsets[s];
            if (STRADDLE) {
                mb[v] = MASK((bits_at(c, 0, s) << av[v]) & lanes_b[v]);
                pb[v] = xb[v] + g->offsets[s];
            }
        }
        for (size_t ci = 0; ci < g->in_c; ci++) {
            VF xv[NVMAX];
            DLK_UNROLL for (int v = 0; v < NVMAX; v++) {
                if (v >= NV) break;
                xv[v] = LOADF(pa[v], ma[v]);
                if (STRADDLE) xv[v] = LOADF_MERGE(xv[v], pb[v], mb[v]);
                pa[v] += c->in_plane;
                if (STRADDLE) pb[v] += c->in_plane;
            }
            DLK_UNROLL for (int o = 0; o < 8; o++) {
                VF w = SETF(wp[o]);
                DLK_UNROLL for (int v = 0; v < NVMAX; v++) if (v < NV) acc[o][v] = FMA(w, xv[v], acc[o][v]);
            }
            wp += 8;
        }
    }
    const size_t rows = g->out_c - ob * 8 < 8 ? g->out_c - ob * 8 : 8;
    MT sa[NVMAX], sb[NVMAX];
    DLK_UNROLL for (int v = 0; v < NVMAX; v++) {
        if (v >= NV) break;
        sa[v] = MASK(lanes_a[v]);
        if (STRADDLE) sb[v] = MASK(lanes_b[v]);
    }
    DLK_UNROLL for (int o = 0; o < 8; o++) {
        if ((size_t)o < rows)
            DLK_UNROLL for (int v = 0; v < NVMAX; v++) {
                if (v >= NV) break;
                VF r = ACTF(acc[o][v], ACT);
                STOREF(ya[v] + (size_t)o * G, r, sa[v]);
                if (STRADDLE && lanes_b[v]) STOREF(yb[v] + (size_t)o * G, r, sb[v]);
            }
    }
}

/* The same tile in int8 on the regrouped input x4 (4 channels per 32-bit lane, +128). */
T static inline __attribute__((always_inline)) void
NAME(s8_tile)(const dconv_ctx *c, const uint8_t *x4, int8_t *y, size_t q0, size_t ob, const int NV) {
    const dlk_dconv_geometry *g = c->g;
    const size_t taps = g->taps;
    VI acc[8][NVMAX];
    DLK_UNROLL for (int o = 0; o < 8; o++)
        DLK_UNROLL for (int v = 0; v < NVMAX; v++) if (v < NV) acc[o][v] = ZEROI();
    const VI pad = SETI(c->pad32);
    const int8_t *wp = c->ws + ob * c->k * 32;
    for (size_t s = 0; s < taps; s++) {
        MT m[NVMAX];
        DLK_UNROLL for (int v = 0; v < NVMAX; v++) if (v < NV) m[v] = MASK(mask_bits(c, q0 + (size_t)v * L, s));
        const uint8_t *xp = x4 + ((ptrdiff_t)q0 + g->offsets[s]) * 4;
        for (size_t cg = 0; cg < c->cin4; cg++) {
            VI xv[NVMAX];
            DLK_UNROLL for (int v = 0; v < NVMAX; v++) if (v < NV) xv[v] = LOADI(xp + v * L * 4, m[v], pad);
            DLK_UNROLL for (int o = 0; o < 8; o++) {
                int32_t w32;
                memcpy(&w32, wp + o * 4, 4);
                VI w = SETI(w32);
                DLK_UNROLL for (int v = 0; v < NVMAX; v++) if (v < NV) acc[o][v] = VDOT(acc[o][v], xv[v], w);
            }
            wp += 32;
            xp += c->in_plane * 4;
        }
    }
    size_t rows = g->out_c - ob * 8 < 8 ? g->out_c - ob * 8 : 8;
    DLK_UNROLL for (int o = 0; o < 8; o++) {
        if ((size_t)o >= rows) break;
        size_t oc = ob * 8 + (size_t)o;
        int8_t *yo = y + oc * c->G + q0;
        DLK_UNROLL for (int v = 0; v < NVMAX; v++)
            if (v < NV)
                REQ_STORE(yo + v * L, acc[o][v], c->offset[oc], c->mult[oc], c->lo, c->hi, c->zp,
                          MASK(valid_bits(c, q0 + (size_t)v * L)));
    }
}

T static inline __attribute__((always_inline)) void
NAME(f32_range_act)(const dconv_ctx *c, const float *x, float *y, size_t n0, size_t n1, size_t p_begin,
                    size_t p_end, const int ACT) {
    size_t blocks = (c->g->out_c + 7) / 8, G = c->G;
    for (size_t p0 = p_begin; p0 < p_end;) {
        size_t left = (p_end - p0 + L - 1) / L;
        /* 4 vectors left with tiles of 3: two tiles of 2 (a tile of 1 is load-bound) */
        size_t nv = left > NVMAX ? (NVMAX == 3 && left == 4 ? 2 : NVMAX) : left;
        size_t last = p0 + nv * L - 1 < p_end - 1 ? p0 + nv * L - 1 : p_end - 1;
        int straddle = p0 / G != last / G;
        for (size_t ob = 0; ob < blocks; ob++) {
            if (straddle) {
                if (nv >= NVMAX) NAME(f32_tile)(c, x, y, n0, n1, p0, ob, NVMAX, ACT, 1);
#if NVMAX > 2
                else if (nv == 2) NAME(f32_tile)(c, x, y, n0, n1, p0, ob, 2, ACT, 1);
#endif
                else NAME(f32_tile)(c, x, y, n0, n1, p0, ob, 1, ACT, 1);
            } else {
                if (nv >= NVMAX) NAME(f32_tile)(c, x, y, n0, n1, p0, ob, NVMAX, ACT, 0);
#if NVMAX > 2
                else if (nv == 2) NAME(f32_tile)(c, x, y, n0, n1, p0, ob, 2, ACT, 0);
#endif
                else NAME(f32_tile)(c, x, y, n0, n1, p0, ob, 1, ACT, 0);
            }
        }
        p0 += nv * L;
    }
}

/* Pixels [p_begin, p_end) of images n0…n1 − 1 taken as one row (p = (n − n0)·G + q), every
 * channel block; the activation a constant in each instantiation. */
T static void NAME(f32_range)(const dconv_ctx *c, const float *x, float *y, size_t n0, size_t n1,
                              size_t p_begin, size_t p_end) {
    switch (c->act) {
    case 1: NAME(f32_range_act)(c, x, y, n0, n1, p_begin, p_end, 1); return;
    case 2: NAME(f32_range_act)(c, x, y, n0, n1, p_begin, p_end, 2); return;
    default: NAME(f32_range_act)(c, x, y, n0, n1, p_begin, p_end, 0); return;
    }
}

T static void NAME(s8_range)(const dconv_ctx *c, const uint8_t *x4, int8_t *y, size_t q_begin, size_t q_end) {
    size_t blocks = (c->g->out_c + 7) / 8;
    for (size_t q0 = q_begin; q0 < q_end;) {
        size_t left = (q_end - q0 + L - 1) / L;
        /* 4 vectors left with tiles of 3: two tiles of 2 (a tile of 1 is load-bound) */
        size_t nv = left > NVMAX ? (NVMAX == 3 && left == 4 ? 2 : NVMAX) : left;
        for (size_t ob = 0; ob < blocks; ob++) {
            if (nv >= NVMAX) NAME(s8_tile)(c, x4, y, q0, ob, NVMAX);
#if NVMAX > 2
            else if (nv == 2) NAME(s8_tile)(c, x4, y, q0, ob, 2);
#endif
            else NAME(s8_tile)(c, x4, y, q0, ob, 1);
        }
        q0 += nv * L;
    }
}
