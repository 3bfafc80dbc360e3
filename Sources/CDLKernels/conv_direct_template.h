/* Direct-convolution tiles written once, instantiated per ISA by conv_direct.c, which defines:
 *   T                 function attribute (target(...))
 *   NAME(x)           name suffix
 *   L, NVMAX          lanes per vector (pixels), vectors per tile (the tile is 8 channels × NV·L pixels)
 *   VF, VI, MT        float vector, int32 vector, lane mask
 *   MASK(bits)        MT from the low L bits of an integer
 *   LOADF(p, m)       L floats, masked-off lanes 0
 *   LOADI(p, m, pad)  L int32 lanes (4 bytes each), masked-off lanes `pad`
 *   SETF(x) SETI(x) ZEROF() ZEROI()
 *   FMA(a, b, acc)    acc + a·b          VDOT(acc, x, w)  acc + Σ of 4 byte products (x u8, w s8)
 *   ACTF(v, kind)     the fused activation (1 relu, 2 relu6)
 *   STOREF(p, v, m)   masked store of L floats
 *   REQ_STORE(p, acc, off, mult, lo, hi, zp, m)   requantize L int32 lanes, masked store of L bytes
 * DCONV_S8_ONLY, when defined, leaves the fp32 tiles out (a level that only adds int8 instructions).
 * The context type dconv_ctx and the mask lookup come from conv_direct.c. */

#ifndef DCONV_S8_ONLY
/* Tile (channel block ob, pixels [q0, q0 + NV·L)) of one image, fp32. */
T static inline __attribute__((always_inline)) void
NAME(f32_tile)(const dconv_ctx *c, const float *x, float *y, size_t q0, size_t ob, const int NV, const int ACT) {
    const dlk_dconv_geometry *g = c->g;
    const size_t taps = g->taps;
    VF acc[8][NVMAX];
    DLK_UNROLL for (int o = 0; o < 8; o++) {
        size_t oc = ob * 8 + (size_t)o;
        VF b = c->bias && oc < g->out_c ? SETF(c->bias[oc]) : ZEROF();
        DLK_UNROLL for (int v = 0; v < NVMAX; v++) if (v < NV) acc[o][v] = b;
    }
    const float *wp = c->wf + ob * c->k * 8;
    /* taps outside, channels inside: a tap's lane masks are set up once for all channels */
    for (size_t s = 0; s < taps; s++) {
        MT m[NVMAX];
        DLK_UNROLL for (int v = 0; v < NVMAX; v++) if (v < NV) m[v] = MASK(mask_bits(c, q0 + (size_t)v * L, s));
        const float *xp = x + q0 + g->offsets[s];
        for (size_t ci = 0; ci < g->in_c; ci++) {
            VF xv[NVMAX];
            DLK_UNROLL for (int v = 0; v < NVMAX; v++) if (v < NV) xv[v] = LOADF(xp + v * L, m[v]);
            DLK_UNROLL for (int o = 0; o < 8; o++) {
                VF w = SETF(wp[o]);
                DLK_UNROLL for (int v = 0; v < NVMAX; v++) if (v < NV) acc[o][v] = FMA(w, xv[v], acc[o][v]);
            }
            wp += 8;
            xp += c->in_plane;
        }
    }
    const size_t rows = g->out_c - ob * 8 < 8 ? g->out_c - ob * 8 : 8, G = c->G;
    MT vm[NVMAX];
    DLK_UNROLL for (int v = 0; v < NVMAX; v++) if (v < NV) vm[v] = MASK(valid_bits(c, q0 + (size_t)v * L));
    float *yo = y + ob * 8 * G + q0;
    DLK_UNROLL for (int o = 0; o < 8; o++) {
        if ((size_t)o < rows)
            DLK_UNROLL for (int v = 0; v < NVMAX; v++)
                if (v < NV) STOREF(yo + (size_t)o * G + v * L, ACTF(acc[o][v], ACT), vm[v]);
    }
}
#endif

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

#ifndef DCONV_S8_ONLY
/* Pixels [q_begin, q_end) of one image, every channel block; whole tiles of NVMAX vectors
 * then one shorter tile. */
T static inline __attribute__((always_inline)) void
NAME(f32_range_act)(const dconv_ctx *c, const float *x, float *y, size_t q_begin, size_t q_end, const int ACT) {
    size_t blocks = (c->g->out_c + 7) / 8;
    for (size_t q0 = q_begin; q0 < q_end;) {
        size_t left = (q_end - q0 + L - 1) / L;
        /* 4 vectors left with tiles of 3: two tiles of 2 (a tile of 1 is load-bound) */
        size_t nv = left > NVMAX ? (NVMAX == 3 && left == 4 ? 2 : NVMAX) : left;
        for (size_t ob = 0; ob < blocks; ob++) {
            if (nv >= NVMAX) NAME(f32_tile)(c, x, y, q0, ob, NVMAX, ACT);
#if NVMAX > 2
            else if (nv == 2) NAME(f32_tile)(c, x, y, q0, ob, 2, ACT);
#endif
            else NAME(f32_tile)(c, x, y, q0, ob, 1, ACT);
        }
        q0 += nv * L;
    }
}

/* The activation as a constant in each instantiation (no test per store). */
T static void NAME(f32_range)(const dconv_ctx *c, const float *x, float *y, size_t q_begin, size_t q_end) {
    switch (c->act) {
    case 1: NAME(f32_range_act)(c, x, y, q_begin, q_end, 1); return;
    case 2: NAME(f32_range_act)(c, x, y, q_begin, q_end, 2); return;
    default: NAME(f32_range_act)(c, x, y, q_begin, q_end, 0); return;
    }
}
#endif

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
