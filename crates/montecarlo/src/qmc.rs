//! Scrambled Sobol' points: the low-discrepancy design of the Saltelli
//! sampler ([`crate::sensitivity::sobol_sensitivity`]).
//!
//! - **Sequence:** Sobol' (1967) in base 2 with the Joe & Kuo (2008)
//!   direction numbers (`new-joe-kuo-6.21201`, the set SciPy and SALib use),
//!   embedded for the first [`MAX_DIMS`] = 128 dimensions, 32 bits each, so
//!   up to 2³² points. Point i is the XOR of the direction numbers selected
//!   by the bits of its Gray code i ⊕ (i ≫ 1): the order of Joe and Kuo's
//!   and SciPy's generators (unscrambled, the first points are 0, ½, ¾, ¼, …),
//!   computed directly from i, so any point is a pure function of
//!   (key, dimension, i) whatever the thread that asks for it.
//! - **Scrambling:** Owen's (1995) nested uniform scramble, every one of the
//!   53 binary digits of a coordinate: digit k is flipped by a random bit
//!   drawn for the node of the binary tree that the point's first k − 1
//!   digits lead to (a hash of the key, the dimension and that node). Digits
//!   33–53 of an unscrambled point are 0, so their flips are random bits of
//!   the node at depth 32. A scrambled point is uniform on (0, 1)^d, the
//!   sequence keeps its nets (for N = 2^m every 1-D projection puts exactly
//!   one point in each interval [k/2^m, (k + 1)/2^m)), each key is an
//!   independent replicate, and no coordinate is 0 or 1 (a half is added to
//!   the 53-bit integer, as in [`crate::design::open01`]).

use crate::{McError, Result};
use scheduler::rng::splitmix64;

/// Dimensions with embedded direction numbers: a Saltelli design of d
/// parameters needs 2d, so at most 64 parameters.
pub const MAX_DIMS: usize = 128;

/// Points per sequence: the direction numbers have 32 bits.
pub const MAX_POINTS: u64 = 1 << 32;

// The direction numbers below are the first 127 lines of Joe and Kuo's
// `new-joe-kuo-6.21201` (https://web.maths.unsw.edu.au/~fkuo/sobol/), under
// their licence, reproduced as it requires:
//
// -----------------------------------------------------------------------------
// Licence pertaining to sobol.cc and the accompanying sets of direction numbers
// -----------------------------------------------------------------------------
// Copyright (c) 2008, Frances Y. Kuo and Stephen Joe
// All rights reserved.
//
// Redistribution and use in source and binary forms, with or without
// modification, are permitted provided that the following conditions are met:
//
//     * Redistributions of source code must retain the above copyright
//       notice, this list of conditions and the following disclaimer.
//
//     * Redistributions in binary form must reproduce the above copyright
//       notice, this list of conditions and the following disclaimer in the
//       documentation and/or other materials provided with the distribution.
//
//     * Neither the names of the copyright holders nor the names of the
//       University of New South Wales and the University of Waikato
//       and its contributors may be used to endorse or promote products derived
//       from this software without specific prior written permission.
//
// THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS ``AS IS'' AND ANY
// EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED
// WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
// DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDERS BE LIABLE FOR ANY
// DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES
// (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES;
// LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND
// ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
// (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
// SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.

/// Joe & Kuo's `new-joe-kuo-6.21201`, dimensions 2 to 128 (dimension 1 is
/// the van der Corput sequence): per dimension the degree s of its primitive
/// polynomial, the polynomial's inner coefficients a (bits a₁…a_{s−1}, a₁
/// the most significant) and the initial direction integers m₁…m_s.
#[rustfmt::skip]
const JOE_KUO: [(u32, u32, &[u32]); MAX_DIMS - 1] = [
    (1, 0, &[1]),
    (2, 1, &[1, 3]),
    (3, 1, &[1, 3, 1]),
    (3, 2, &[1, 1, 1]),
    (4, 1, &[1, 1, 3, 3]),
    (4, 4, &[1, 3, 5, 13]),
    (5, 2, &[1, 1, 5, 5, 17]),
    (5, 4, &[1, 1, 5, 5, 5]),
    (5, 7, &[1, 1, 7, 11, 19]),
    (5, 11, &[1, 1, 5, 1, 1]),
    (5, 13, &[1, 1, 1, 3, 11]),
    (5, 14, &[1, 3, 5, 5, 31]),
    (6, 1, &[1, 3, 3, 9, 7, 49]),
    (6, 13, &[1, 1, 1, 15, 21, 21]),
    (6, 16, &[1, 3, 1, 13, 27, 49]),
    (6, 19, &[1, 1, 1, 15, 7, 5]),
    (6, 22, &[1, 3, 1, 15, 13, 25]),
    (6, 25, &[1, 1, 5, 5, 19, 61]),
    (7, 1, &[1, 3, 7, 11, 23, 15, 103]),
    (7, 4, &[1, 3, 7, 13, 13, 15, 69]),
    (7, 7, &[1, 1, 3, 13, 7, 35, 63]),
    (7, 8, &[1, 3, 5, 9, 1, 25, 53]),
    (7, 14, &[1, 3, 1, 13, 9, 35, 107]),
    (7, 19, &[1, 3, 1, 5, 27, 61, 31]),
    (7, 21, &[1, 1, 5, 11, 19, 41, 61]),
    (7, 28, &[1, 3, 5, 3, 3, 13, 69]),
    (7, 31, &[1, 1, 7, 13, 1, 19, 1]),
    (7, 32, &[1, 3, 7, 5, 13, 19, 59]),
    (7, 37, &[1, 1, 3, 9, 25, 29, 41]),
    (7, 41, &[1, 3, 5, 13, 23, 1, 55]),
    (7, 42, &[1, 3, 7, 3, 13, 59, 17]),
    (7, 50, &[1, 3, 1, 3, 5, 53, 69]),
    (7, 55, &[1, 1, 5, 5, 23, 33, 13]),
    (7, 56, &[1, 1, 7, 7, 1, 61, 123]),
    (7, 59, &[1, 1, 7, 9, 13, 61, 49]),
    (7, 62, &[1, 3, 3, 5, 3, 55, 33]),
    (8, 14, &[1, 3, 1, 15, 31, 13, 49, 245]),
    (8, 21, &[1, 3, 5, 15, 31, 59, 63, 97]),
    (8, 22, &[1, 3, 1, 11, 11, 11, 77, 249]),
    (8, 38, &[1, 3, 1, 11, 27, 43, 71, 9]),
    (8, 47, &[1, 1, 7, 15, 21, 11, 81, 45]),
    (8, 49, &[1, 3, 7, 3, 25, 31, 65, 79]),
    (8, 50, &[1, 3, 1, 1, 19, 11, 3, 205]),
    (8, 52, &[1, 1, 5, 9, 19, 21, 29, 157]),
    (8, 56, &[1, 3, 7, 11, 1, 33, 89, 185]),
    (8, 67, &[1, 3, 3, 3, 15, 9, 79, 71]),
    (8, 70, &[1, 3, 7, 11, 15, 39, 119, 27]),
    (8, 84, &[1, 1, 3, 1, 11, 31, 97, 225]),
    (8, 97, &[1, 1, 1, 3, 23, 43, 57, 177]),
    (8, 103, &[1, 3, 7, 7, 17, 17, 37, 71]),
    (8, 115, &[1, 3, 1, 5, 27, 63, 123, 213]),
    (8, 122, &[1, 1, 3, 5, 11, 43, 53, 133]),
    (9, 8, &[1, 3, 5, 5, 29, 17, 47, 173, 479]),
    (9, 13, &[1, 3, 3, 11, 3, 1, 109, 9, 69]),
    (9, 16, &[1, 1, 1, 5, 17, 39, 23, 5, 343]),
    (9, 22, &[1, 3, 1, 5, 25, 15, 31, 103, 499]),
    (9, 25, &[1, 1, 1, 11, 11, 17, 63, 105, 183]),
    (9, 44, &[1, 1, 5, 11, 9, 29, 97, 231, 363]),
    (9, 47, &[1, 1, 5, 15, 19, 45, 41, 7, 383]),
    (9, 52, &[1, 3, 7, 7, 31, 19, 83, 137, 221]),
    (9, 55, &[1, 1, 1, 3, 23, 15, 111, 223, 83]),
    (9, 59, &[1, 1, 5, 13, 31, 15, 55, 25, 161]),
    (9, 62, &[1, 1, 3, 13, 25, 47, 39, 87, 257]),
    (9, 67, &[1, 1, 1, 11, 21, 53, 125, 249, 293]),
    (9, 74, &[1, 1, 7, 11, 11, 7, 57, 79, 323]),
    (9, 81, &[1, 1, 5, 5, 17, 13, 81, 3, 131]),
    (9, 82, &[1, 1, 7, 13, 23, 7, 65, 251, 475]),
    (9, 87, &[1, 3, 5, 1, 9, 43, 3, 149, 11]),
    (9, 91, &[1, 1, 3, 13, 31, 13, 13, 255, 487]),
    (9, 94, &[1, 3, 3, 1, 5, 63, 89, 91, 127]),
    (9, 103, &[1, 1, 3, 3, 1, 19, 123, 127, 237]),
    (9, 104, &[1, 1, 5, 7, 23, 31, 37, 243, 289]),
    (9, 109, &[1, 1, 5, 11, 17, 53, 117, 183, 491]),
    (9, 122, &[1, 1, 1, 5, 1, 13, 13, 209, 345]),
    (9, 124, &[1, 1, 3, 15, 1, 57, 115, 7, 33]),
    (9, 137, &[1, 3, 1, 11, 7, 43, 81, 207, 175]),
    (9, 138, &[1, 3, 1, 1, 15, 27, 63, 255, 49]),
    (9, 143, &[1, 3, 5, 3, 27, 61, 105, 171, 305]),
    (9, 145, &[1, 1, 5, 3, 1, 3, 57, 249, 149]),
    (9, 152, &[1, 1, 3, 5, 5, 57, 15, 13, 159]),
    (9, 157, &[1, 1, 1, 11, 7, 11, 105, 141, 225]),
    (9, 167, &[1, 3, 3, 5, 27, 59, 121, 101, 271]),
    (9, 173, &[1, 3, 5, 9, 11, 49, 51, 59, 115]),
    (9, 176, &[1, 1, 7, 1, 23, 45, 125, 71, 419]),
    (9, 181, &[1, 1, 3, 5, 23, 5, 105, 109, 75]),
    (9, 182, &[1, 1, 7, 15, 7, 11, 67, 121, 453]),
    (9, 185, &[1, 3, 7, 3, 9, 13, 31, 27, 449]),
    (9, 191, &[1, 3, 1, 15, 19, 39, 39, 89, 15]),
    (9, 194, &[1, 1, 1, 1, 1, 33, 73, 145, 379]),
    (9, 199, &[1, 3, 1, 15, 15, 43, 29, 13, 483]),
    (9, 218, &[1, 1, 7, 3, 19, 27, 85, 131, 431]),
    (9, 220, &[1, 3, 3, 3, 5, 35, 23, 195, 349]),
    (9, 227, &[1, 3, 3, 7, 9, 27, 39, 59, 297]),
    (9, 229, &[1, 1, 3, 9, 11, 17, 13, 241, 157]),
    (9, 230, &[1, 3, 7, 15, 25, 57, 33, 189, 213]),
    (9, 234, &[1, 1, 7, 1, 9, 55, 73, 83, 217]),
    (9, 236, &[1, 3, 3, 13, 19, 27, 23, 113, 249]),
    (9, 241, &[1, 3, 5, 3, 23, 43, 3, 253, 479]),
    (9, 244, &[1, 1, 5, 5, 11, 5, 45, 117, 217]),
    (9, 253, &[1, 3, 3, 7, 29, 37, 33, 123, 147]),
    (10, 4, &[1, 3, 1, 15, 5, 5, 37, 227, 223, 459]),
    (10, 13, &[1, 1, 7, 5, 5, 39, 63, 255, 135, 487]),
    (10, 19, &[1, 3, 1, 7, 9, 7, 87, 249, 217, 599]),
    (10, 22, &[1, 1, 3, 13, 9, 47, 7, 225, 363, 247]),
    (10, 50, &[1, 3, 7, 13, 19, 13, 9, 67, 9, 737]),
    (10, 55, &[1, 3, 5, 5, 19, 59, 7, 41, 319, 677]),
    (10, 64, &[1, 1, 5, 3, 31, 63, 15, 43, 207, 789]),
    (10, 69, &[1, 1, 7, 9, 13, 39, 3, 47, 497, 169]),
    (10, 98, &[1, 3, 1, 7, 21, 17, 97, 19, 415, 905]),
    (10, 107, &[1, 3, 7, 1, 3, 31, 71, 111, 165, 127]),
    (10, 115, &[1, 1, 5, 11, 1, 61, 83, 119, 203, 847]),
    (10, 121, &[1, 3, 3, 13, 9, 61, 19, 97, 47, 35]),
    (10, 127, &[1, 1, 7, 7, 15, 29, 63, 95, 417, 469]),
    (10, 134, &[1, 3, 1, 9, 25, 9, 71, 57, 213, 385]),
    (10, 140, &[1, 3, 5, 13, 31, 47, 101, 57, 39, 341]),
    (10, 145, &[1, 1, 3, 3, 31, 57, 125, 173, 365, 551]),
    (10, 152, &[1, 3, 7, 1, 13, 57, 67, 157, 451, 707]),
    (10, 158, &[1, 1, 1, 7, 21, 13, 105, 89, 429, 965]),
    (10, 161, &[1, 1, 5, 9, 17, 51, 45, 119, 157, 141]),
    (10, 171, &[1, 3, 7, 7, 13, 45, 91, 9, 129, 741]),
    (10, 181, &[1, 3, 7, 1, 23, 57, 67, 141, 151, 571]),
    (10, 194, &[1, 1, 3, 11, 17, 47, 93, 107, 375, 157]),
    (10, 199, &[1, 3, 3, 5, 11, 21, 43, 51, 169, 915]),
    (10, 203, &[1, 1, 5, 3, 15, 55, 101, 67, 455, 625]),
    (10, 208, &[1, 3, 5, 9, 1, 23, 29, 47, 345, 595]),
    (10, 227, &[1, 3, 7, 7, 5, 49, 29, 155, 323, 589]),
    (10, 242, &[1, 3, 3, 7, 5, 41, 127, 61, 261, 717]),
];

/// The 32 direction numbers v₁…v₃₂ of dimension `dim` (0-based), as 32-bit
/// integers (vₖ = mₖ·2^(32−k)); Joe & Kuo's recurrence
/// mₖ = 2a₁mₖ₋₁ ⊕ 2²a₂mₖ₋₂ ⊕ … ⊕ 2^(s−1)a_{s−1}mₖ₋ₛ₊₁ ⊕ 2^s mₖ₋ₛ ⊕ mₖ₋ₛ beyond k = s.
fn direction_numbers(dim: usize) -> [u32; 32] {
    let mut v = [0u32; 32];
    if dim == 0 {
        for (k, vk) in v.iter_mut().enumerate() {
            *vk = 1 << (31 - k);
        }
        return v;
    }
    let (s, a, m) = JOE_KUO[dim - 1];
    let s = s as usize;
    for k in 0..s {
        v[k] = m[k] << (31 - k);
    }
    for k in s..32 {
        let mut x = v[k - s] ^ (v[k - s] >> s);
        for j in 1..s {
            if (a >> (s - 1 - j)) & 1 == 1 {
                x ^= v[k - j];
            }
        }
        v[k] = x;
    }
    v
}

/// A strong 64-bit mixer (SplitMix64's finaliser), the hash of the scramble.
fn mix(x: u64) -> u64 {
    let mut s = x;
    splitmix64(&mut s)
}

/// The points of a `dims`-dimensional Sobol' sequence, Owen-scrambled with a
/// key or not (see the module docs).
#[derive(Clone, Debug)]
pub struct SobolSequence {
    /// Direction numbers, `directions[j][k]` = v_{k+1} of dimension j.
    directions: Vec<[u32; 32]>,
    /// Per-dimension scramble keys; `None`: the plain sequence.
    keys: Option<Vec<u64>>,
}

impl SobolSequence {
    /// The Sobol' sequence in `dims` dimensions, Owen-scrambled with `key`
    /// (e.g. drawn from a master seed: each key gives an independent
    /// randomised replicate). Refuses 0 or more than [`MAX_DIMS`] dimensions.
    pub fn scrambled(dims: usize, key: u64) -> Result<Self> {
        let mut s = Self::unscrambled(dims)?;
        let mut state = key;
        s.keys = Some((0..dims).map(|_| splitmix64(&mut state)).collect());
        Ok(s)
    }

    /// The plain (deterministic) Sobol' sequence in `dims` dimensions: point 0
    /// is the origin, so it is for tests against published points, not for
    /// sampling distributions with unbounded support.
    pub fn unscrambled(dims: usize) -> Result<Self> {
        if dims == 0 || dims > MAX_DIMS {
            return Err(McError::Invalid(format!(
                "a Sobol' sequence in {dims} dimensions: this build has direction numbers for 1 to \
                 {MAX_DIMS} dimensions"
            )));
        }
        Ok(SobolSequence {
            directions: (0..dims).map(direction_numbers).collect(),
            keys: None,
        })
    }

    /// Dimensions of a point.
    pub fn dims(&self) -> usize {
        self.directions.len()
    }

    /// Point `i` of the unscrambled sequence as 32-bit integers (coordinate
    /// j is `x[j] / 2^32`). Index `i` is taken modulo 2³² ([`MAX_POINTS`]).
    pub fn integer_point(&self, i: u64) -> Vec<u32> {
        let gray = (i ^ (i >> 1)) as u32;
        self.directions
            .iter()
            .map(|v| {
                let mut x = 0u32;
                let mut g = gray;
                while g != 0 {
                    x ^= v[g.trailing_zeros() as usize];
                    g &= g - 1;
                }
                x
            })
            .collect()
    }

    /// Point `i` in [0, 1)^d (scrambled: in (0, 1)^d), a pure function of
    /// (key, dimensions, i). Index `i` is taken modulo 2³² ([`MAX_POINTS`]).
    pub fn point(&self, i: u64) -> Vec<f64> {
        let x = self.integer_point(i);
        match &self.keys {
            None => x.iter().map(|&x| f64::from(x) / 4_294_967_296.0).collect(),
            Some(keys) => x
                .iter()
                .zip(keys)
                .map(|(&x, &key)| {
                    let digits = owen_scramble(x, key);
                    ((digits >> 11) as f64 + 0.5) / (1u64 << 53) as f64
                })
                .collect(),
        }
    }
}

/// The nested uniform scramble of the 32-digit fraction `x` under `key`, as
/// 64 digits (the top 53 are used): digit k (from the most significant) is
/// flipped by a bit hashed from the node (1 ≪ k) | (x's first k digits), a
/// heap numbering that names each node of the binary tree once; the digits
/// below 32 are the hash of the depth-32 node (all x's digits).
fn owen_scramble(x: u32, key: u64) -> u64 {
    let mut out = 0u32;
    for k in 0..32 {
        let prefix = if k == 0 { 0 } else { u64::from(x >> (32 - k)) };
        let node = (1u64 << k) | prefix;
        let flip = (mix(key ^ mix(node)) >> 63) as u32;
        out |= (((x >> (31 - k)) & 1) ^ flip) << (31 - k);
    }
    let deep = mix(key ^ mix((1u64 << 32) | u64::from(x)));
    (u64::from(out) << 32) | (deep >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first eight points of the plain sequence in five dimensions, as
    /// Joe & Kuo's generator (and SciPy's `Sobol(scramble=False)`) give them.
    #[test]
    fn unscrambled_points_are_the_published_ones() {
        let want = [
            [0.0, 0.0, 0.0, 0.0, 0.0],
            [0.5, 0.5, 0.5, 0.5, 0.5],
            [0.75, 0.25, 0.25, 0.25, 0.75],
            [0.25, 0.75, 0.75, 0.75, 0.25],
            [0.375, 0.375, 0.625, 0.875, 0.375],
            [0.875, 0.875, 0.125, 0.375, 0.875],
            [0.625, 0.125, 0.875, 0.625, 0.625],
            [0.125, 0.625, 0.375, 0.125, 0.125],
        ];
        let s = SobolSequence::unscrambled(5).unwrap();
        for (i, w) in want.iter().enumerate() {
            assert_eq!(s.point(i as u64), w.to_vec(), "point {i}");
        }
    }

    /// Every coordinate of the first 1024 points in all 128 dimensions equals
    /// SciPy 1.17's `qmc.Sobol(d=128, scramble=False, bits=32)` (which
    /// embeds the same Joe & Kuo numbers): a polynomial hash of the 131,072
    /// integers x·2³², computed by SciPy, and a few of them spelt out.
    #[test]
    fn all_embedded_dimensions_match_scipy() {
        let s = SobolSequence::unscrambled(MAX_DIMS).unwrap();
        let mut h = 0u64;
        for i in 0..1024 {
            for x in s.integer_point(i) {
                h = h.wrapping_mul(1_000_003).wrapping_add(u64::from(x));
            }
        }
        assert_eq!(h, 11_968_344_047_283_601_408);
        assert_eq!(
            s.integer_point(5)[120..],
            [
                2_684_354_560,
                2_684_354_560,
                2_684_354_560,
                536_870_912,
                1_610_612_736,
                3_758_096_384,
                2_684_354_560,
                536_870_912
            ]
        );
        assert_eq!(
            s.integer_point(1023)[..4],
            [4_194_304, 3_233_808_384, 2_629_828_608, 624_951_296]
        );
    }

    /// For N = 2^m points, each coordinate's values fall one in each interval
    /// [k/2^m, (k + 1)/2^m), scrambled or not; scrambled, none is 0 or 1.
    #[test]
    fn every_projection_is_stratified_and_scrambled_points_are_open() {
        for m in [0u32, 1, 4, 10] {
            let n = 1usize << m;
            for seq in [
                SobolSequence::unscrambled(MAX_DIMS).unwrap(),
                SobolSequence::scrambled(MAX_DIMS, 7).unwrap(),
                SobolSequence::scrambled(MAX_DIMS, 8).unwrap(),
            ] {
                let pts: Vec<Vec<f64>> = (0..n as u64).map(|i| seq.point(i)).collect();
                for j in 0..MAX_DIMS {
                    let mut hit = vec![0u32; n];
                    for p in &pts {
                        let u = p[j];
                        assert!((0.0..1.0).contains(&u));
                        if seq.keys.is_some() {
                            assert!(u > 0.0 && u < 1.0, "{u}");
                        }
                        hit[(u * n as f64) as usize] += 1;
                    }
                    assert!(hit.iter().all(|&h| h == 1), "m = {m}, dimension {j}");
                }
            }
        }
    }

    /// Scrambled points are a pure function of (key, i): another key gives
    /// another replicate, the same key the same bits; the scramble is a
    /// bijection of each coordinate's digits (distinct inputs, distinct outputs).
    #[test]
    fn a_key_gives_a_reproducible_independent_replicate() {
        let a = SobolSequence::scrambled(6, 1).unwrap();
        let b = SobolSequence::scrambled(6, 2).unwrap();
        let a2 = SobolSequence::scrambled(6, 1).unwrap();
        assert_eq!(a.point(12_345), a2.point(12_345));
        assert_ne!(a.point(0), b.point(0));
        // Point 0 is uniform, not the origin: over many keys its mean is ½.
        let mean: f64 = (0..2000u64)
            .map(|k| SobolSequence::scrambled(1, k).unwrap().point(0)[0])
            .sum::<f64>()
            / 2000.0;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
        let mut seen: Vec<u64> = (0..4096u32).map(|x| owen_scramble(x << 20, 99) >> 52).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 4096);
    }

    #[test]
    fn dimensions_beyond_the_table_are_refused() {
        assert!(SobolSequence::unscrambled(MAX_DIMS).is_ok());
        let e = SobolSequence::scrambled(MAX_DIMS + 1, 0).unwrap_err();
        assert!(e.to_string().contains("1 to 128 dimensions"), "{e}");
        assert!(SobolSequence::unscrambled(0).is_err());
    }
}
