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
 * The context type dconv_ctx and the mask lookup come from conv_direct.c. */

/* Tile (channel block ob, pixels [q0, q0 + NV·L)) of one image, fp32. */
T static inline __attribute__((always_inline)) void
NAME(f32_tile)(const dconv_ctx *c, const float *x, float *y, size_t q0, size_t ob, const int NV) {
    const dlk_dconv_geometry *g = c->g;
    const size_t taps = g->taps;
    VF acc[8][NVMAX];
    DLK_UNROLL for (int o = 0; o < 8; o++) {
        size_t oc = ob * 8 + (size_t)o;
        VF b = c->bias && oc < g->out_c ? SETF(c->bias[oc]) : ZEROF();
        DLK_UNROLL for (int v = 0; v < NVMAX; v++) if (v < NV) acc[o][v] = b;
    }
    const float *wp = c->wf + ob * c->k * 8;
    for (size_t ci = 0; ci < g->in_c; ci++) {
        const float *xc = x + ci * c->in_plane + q0;
        for (size_t s = 0; s < taps; s++) {
            const float *xp = xc + g->offsets[s];
            VF xv[NVMAX];
            DLK_UNROLL for (int v = 0; v < NVMAX; v++)
                if (v < NV) xv[v] = LOADF(xp + v * L, MASK(mask_bits(c, q0 + (size_t)v * L, s)));
            DLK_UNROLL for (int o = 0; o < 8; o++) {
                VF w = SETF(wp[o]);
                DLK_UNROLL for (int v = 0; v < NVMAX; v++) if (v < NV) acc[o][v] = FMA(w, xv[v], acc[o][v]);
            }
            wp += 8;
        }
    }
    size_t rows = g->out_c - ob * 8 < 8 ? g->out_c - ob * 8 : 8;
    DLK_UNROLL for (int o = 0; o < 8; o++) {
        if ((size_t)o >= rows) break;
        float *yo = y + (ob * 8 + (size_t)o) * c->G + q0;
        DLK_UNROLL for (int v = 0; v < NVMAX; v++)
            if (v < NV) STOREF(yo + v * L, ACTF(acc[o][v], c->act), MASK(valid_bits(c, q0 + (size_t)v * L)));
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
    for (size_t cg = 0; cg < c->cin4; cg++) {
        const uint8_t *xc = x4 + (cg * c->in_plane + q0) * 4;
        for (size_t s = 0; s < taps; s++) {
            const uint8_t *xp = xc + (ptrdiff_t)g->offsets[s] * 4;
            VI xv[NVMAX];
            DLK_UNROLL for (int v = 0; v < NVMAX; v++)
                if (v < NV) xv[v] = LOADI(xp + v * L * 4, MASK(mask_bits(c, q0 + (size_t)v * L, s)), pad);
            DLK_UNROLL for (int o = 0; o < 8; o++) {
                int32_t w32;
                memcpy(&w32, wp + o * 4, 4);
                VI w = SETI(w32);
                DLK_UNROLL for (int v = 0; v < NVMAX; v++) if (v < NV) acc[o][v] = VDOT(acc[o][v], xv[v], w);
            }
            wp += 32;
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

/* Pixels [q_begin, q_end) of one image, every channel block; whole tiles of NVMAX vectors
 * then one shorter tile. */
T static void NAME(f32_range)(const dconv_ctx *c, const float *x, float *y, size_t q_begin, size_t q_end) {
    size_t blocks = (c->g->out_c + 7) / 8;
    for (size_t q0 = q_begin; q0 < q_end; q0 += (size_t)NVMAX * L) {
        size_t nv = (q_end - q0 + L - 1) / L;
        for (size_t ob = 0; ob < blocks; ob++) {
            if (nv >= NVMAX) NAME(f32_tile)(c, x, y, q0, ob, NVMAX);
#if NVMAX > 2
            else if (nv == 2) NAME(f32_tile)(c, x, y, q0, ob, 2);
#endif
            else NAME(f32_tile)(c, x, y, q0, ob, 1);
        }
    }
}

T static void NAME(s8_range)(const dconv_ctx *c, const uint8_t *x4, int8_t *y, size_t q_begin, size_t q_end) {
    size_t blocks = (c->g->out_c + 7) / 8;
    for (size_t q0 = q_begin; q0 < q_end; q0 += (size_t)NVMAX * L) {
        size_t nv = (q_end - q0 + L - 1) / L;
        for (size_t ob = 0; ob < blocks; ob++) {
            if (nv >= NVMAX) NAME(s8_tile)(c, x4, y, q0, ob, NVMAX);
#if NVMAX > 2
            else if (nv == 2) NAME(s8_tile)(c, x4, y, q0, ob, 2);
#endif
            else NAME(s8_tile)(c, x4, y, q0, ob, 1);
        }
    }
}
