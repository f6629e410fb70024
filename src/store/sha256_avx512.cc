// Sixteen SHA-256 compressions at once with AVX-512 (store/sha256.h, detail::Compress16).
//
// Lane l of each ZMM register belongs to message l: the eight working variables a..h are eight
// registers, the message schedule sixteen more. The sixteen input blocks are loaded as rows,
// byte-swapped, and transposed (16 x 16 words) so that register t holds word t of every block.
// Each round is then plain FIPS 180-4 arithmetic, sixteen wide: the rotations are VPRORD, the
// three-input functions (Ch, Maj, and the XOR of three rotations in each sigma) one VPTERNLOGD.
//
// Only the functions below carry the AVX-512 target attribute; the rest of netward is compiled
// for the baseline x86-64 and calls them only after DetectAvx512().
#include "store/sha256.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
// GCC 12's AVX-512 intrinsics start some results from _mm512_undefined_epi32(), which
// -Wuninitialized reports once they are inlined (GCC bug 105593); the warning is spurious.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#define NW_AVX512_TARGET __attribute__((target("avx512f,avx512vl,avx512bw")))

namespace netward::store::sha256::detail {
namespace {

alignas(64) constexpr uint32_t kRound[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

// VPTERNLOGD truth tables: bit (x << 2 | y << 1 | z) of the immediate is f(x, y, z).
constexpr int kXor3 = 0x96;    // x ^ y ^ z
constexpr int kChoose = 0xCA;  // x ? y : z
constexpr int kMajority = 0xE8;

#define NW_TERN(x, y, z, f) _mm512_ternarylogic_epi32((x), (y), (z), (f))

NW_AVX512_TARGET inline __m512i BigSigma0(__m512i a) {
  return NW_TERN(_mm512_ror_epi32(a, 2), _mm512_ror_epi32(a, 13), _mm512_ror_epi32(a, 22), kXor3);
}
NW_AVX512_TARGET inline __m512i BigSigma1(__m512i e) {
  return NW_TERN(_mm512_ror_epi32(e, 6), _mm512_ror_epi32(e, 11), _mm512_ror_epi32(e, 25), kXor3);
}
NW_AVX512_TARGET inline __m512i SmallSigma0(__m512i w) {
  return NW_TERN(_mm512_ror_epi32(w, 7), _mm512_ror_epi32(w, 18), _mm512_srli_epi32(w, 3), kXor3);
}
NW_AVX512_TARGET inline __m512i SmallSigma1(__m512i w) {
  return NW_TERN(_mm512_ror_epi32(w, 17), _mm512_ror_epi32(w, 19), _mm512_srli_epi32(w, 10), kXor3);
}

// One round; the caller rotates the roles of the eight variables instead of moving them.
NW_AVX512_TARGET inline void Round(__m512i a, __m512i b, __m512i c, __m512i& d, __m512i e,
                                   __m512i f, __m512i g, __m512i& h, __m512i kw) {
  __m512i t1 = _mm512_add_epi32(_mm512_add_epi32(h, kw),
                                _mm512_add_epi32(BigSigma1(e), NW_TERN(e, f, g, kChoose)));
  d = _mm512_add_epi32(d, t1);
  h = _mm512_add_epi32(t1, _mm512_add_epi32(BigSigma0(a), NW_TERN(a, b, c, kMajority)));
}

// Transposes 16 rows of 16 words: afterwards r[t] holds word t of every former row, row i in
// lane i.
NW_AVX512_TARGET inline void Transpose(__m512i* r) {
  __m512i t[16], u[16];
#pragma GCC unroll 8
  for (int i = 0; i < 16; i += 2) {  // per 128-bit chunk k: words 4k.. of rows i, i + 1
    t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
  }
#pragma GCC unroll 4
  for (int g = 0; g < 16; g += 4) {  // u[g + j], chunk k: word 4k + j of rows g..g+3
    u[g + 0] = _mm512_unpacklo_epi64(t[g], t[g + 2]);
    u[g + 1] = _mm512_unpackhi_epi64(t[g], t[g + 2]);
    u[g + 2] = _mm512_unpacklo_epi64(t[g + 1], t[g + 3]);
    u[g + 3] = _mm512_unpackhi_epi64(t[g + 1], t[g + 3]);
  }
  for (int j = 0; j < 4;
       ++j) {  // word 4k + j of all rows: chunk k of u[j], u[4+j], u[8+j], u[12+j]
    __m512i v0 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0x88);       // u[j]:0,2  u[4+j]:0,2
    __m512i v1 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0xDD);       // u[j]:1,3  u[4+j]:1,3
    __m512i w0 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0x88);  // u[8+j]:0,2 u[12+j]:0,2
    __m512i w1 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0xDD);
    r[j] = _mm512_shuffle_i32x4(v0, w0, 0x88);       // chunk 0
    r[4 + j] = _mm512_shuffle_i32x4(v1, w1, 0x88);   // chunk 1
    r[8 + j] = _mm512_shuffle_i32x4(v0, w0, 0xDD);   // chunk 2
    r[12 + j] = _mm512_shuffle_i32x4(v1, w1, 0xDD);  // chunk 3
  }
}

}  // namespace

bool DetectAvx512() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  if (!(c & (1u << 27))) return false;  // OSXSAVE: XGETBV is usable
  unsigned lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  // XCR0: SSE (1), AVX (2), opmask (5), ZMM0-15 upper halves (6), ZMM16-31 (7).
  if ((lo & 0xE6) != 0xE6) return false;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const bool f = b & (1u << 16), bw = b & (1u << 30), vl = b & (1u << 31);
  return f && bw && vl;
}

NW_AVX512_TARGET void Compress16(uint32_t (*state)[16], const uint8_t* const* blocks) {
  const __m512i kSwap =
      _mm512_broadcast_i32x4(_mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3));
  __m512i w[16];
#pragma GCC unroll 16
  for (int l = 0; l < 16; ++l) {
    w[l] = _mm512_shuffle_epi8(_mm512_loadu_si512(blocks[l]), kSwap);
  }
  Transpose(w);

  __m512i a = _mm512_load_si512(state[0]), b = _mm512_load_si512(state[1]);
  __m512i c = _mm512_load_si512(state[2]), d = _mm512_load_si512(state[3]);
  __m512i e = _mm512_load_si512(state[4]), f = _mm512_load_si512(state[5]);
  __m512i g = _mm512_load_si512(state[6]), h = _mm512_load_si512(state[7]);
  const __m512i a0 = a, b0 = b, c0 = c, d0 = d, e0 = e, f0 = f, g0 = g, h0 = h;

  // Eight rounds per iteration, so that the roles of a..h come back to where they started.
  // (Unrolling all 64, w[] in registers, measured ~8% slower on Zen 4 than this, w[] on the
  // stack: the loads are free, the register pressure and code size are not.)
#pragma GCC unroll 8
  for (int t = 0; t < 64; t += 8) {
    __m512i kw[8];
    for (int i = 0; i < 8; ++i) {
      __m512i& x = w[(t + i) & 15];  // holds W[t + i - 16]; becomes W[t + i]
      if (t >= 16) {
        x = _mm512_add_epi32(
            _mm512_add_epi32(x, SmallSigma0(w[(t + i + 1) & 15])),
            _mm512_add_epi32(w[(t + i + 9) & 15], SmallSigma1(w[(t + i + 14) & 15])));
      }
      kw[i] = _mm512_add_epi32(x, _mm512_set1_epi32(static_cast<int>(kRound[t + i])));
    }
    Round(a, b, c, d, e, f, g, h, kw[0]);
    Round(h, a, b, c, d, e, f, g, kw[1]);
    Round(g, h, a, b, c, d, e, f, kw[2]);
    Round(f, g, h, a, b, c, d, e, kw[3]);
    Round(e, f, g, h, a, b, c, d, kw[4]);
    Round(d, e, f, g, h, a, b, c, kw[5]);
    Round(c, d, e, f, g, h, a, b, kw[6]);
    Round(b, c, d, e, f, g, h, a, kw[7]);
  }

  _mm512_store_si512(state[0], _mm512_add_epi32(a, a0));
  _mm512_store_si512(state[1], _mm512_add_epi32(b, b0));
  _mm512_store_si512(state[2], _mm512_add_epi32(c, c0));
  _mm512_store_si512(state[3], _mm512_add_epi32(d, d0));
  _mm512_store_si512(state[4], _mm512_add_epi32(e, e0));
  _mm512_store_si512(state[5], _mm512_add_epi32(f, f0));
  _mm512_store_si512(state[6], _mm512_add_epi32(g, g0));
  _mm512_store_si512(state[7], _mm512_add_epi32(h, h0));
}

}  // namespace netward::store::sha256::detail

#pragma GCC diagnostic pop

#else  // not x86-64

namespace netward::store::sha256::detail {

bool DetectAvx512() { return false; }
void Compress16(uint32_t (*)[16], const uint8_t* const*) {}

}  // namespace netward::store::sha256::detail

#endif
