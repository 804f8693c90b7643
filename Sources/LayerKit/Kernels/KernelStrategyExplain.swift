import CBLAS

// What ``KernelStrategy`` picks for a shape on this CPU, in words (`layerkit-bench --explain`).

extension KernelStrategy {
    /// The SIMD level, the thread counts and the environment variables in force.
    public static var summary: String {
        let env = ["LAYERKIT_SIMD", "LAYERKIT_NUM_THREADS", "LAYERKIT_FFTW_RIGOR", "LAYERKIT_FFTW_WISDOM", "OPENBLAS_CORETYPE"]
            .compactMap { name in environmentString(name).map { "\(name)=\($0)" } }
        return """
            SIMD level \(level) (CPU supports up to \(SIMDLevel.cpu); levels tested by the suite here: \
            \(SIMDLevel.allCases.filter { $0 <= SIMDLevel.cpu }.map(\.description).joined(separator: ", ")))
            threads: \(Parallelism.threadCount), one pool (LayerKit's); OpenBLAS single-threaded \
            (\(String(cString: openblas_get_config())))
            environment: \(env.isEmpty ? "none of LayerKit's variables set" : env.joined(separator: " "))
            """
    }

    /// The path a float `op(A)·op(B)` of `m × k` by `k × n` takes (`x·Wᵀ` is `transB`).
    public static func explainProduct(m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false,
                                      dtype: DType = .float32) -> String {
        let shape = "\(dtype.rawValue) \(transA ? "Aᵀ" : "A")·\(transB ? "Bᵀ" : "B") \(m)×\(k)·\(k)×\(n)"
        if dtype == .float32 && !transA && transB && skinnyProduct(n: n, k: k, lda: k, ldb: k) {
            return "\(shape): LayerKit's skinny kernel at \(level) over Wᵀ padded to 16 columns, kept with W (n = \(n) ≤ 16)"
        }
        let call = dtype == .float32 ? "sgemm" : "dgemm"
        let warmUp = dtype == .float32 && m * n * k >= openBLASWarmUpWork ? " (after the one-time warm-up)" : ""
        switch productSplit(m: m, n: n, k: k) {
        case .whole:
            return "\(shape): one single-threaded OpenBLAS \(call)" + warmUp
        case .rows(let blocks):
            return "\(shape): \(blocks) blocks of C's rows, one single-threaded \(call) each, over LayerKit's threads (m·n·k ≥ \(productSplitWork))" + warmUp
        case .columns(let blocks):
            return "\(shape): \(blocks) blocks of C's columns, one single-threaded \(call) each, over LayerKit's threads (m·n·k ≥ \(productSplitWork))" + warmUp
        }
    }
    /// The path `rfft(bins:)` of `rows` rows of `n` points takes.
    public static func explainRFFT(rows: Int, n: Int, bins: Int, dtype: DType = .float32) -> String {
        let shape = "\(dtype.rawValue) rfft(bins: \(bins)) of \(rows)×\(n)"
        let threads = rows * n >= fftGrain ? Parallelism.threadCount : 1
        let spectral = truncatedDFT(n: n, bins: bins)
            ? "; inside SpectralConv1d one GEMM with the truncated DFT matrix instead (≤ 32 bins, n·bins ≤ 2²¹)" : ""
        if dtype == .float32 && laneFFT(n: n, batch: rows) {
            return "\(shape): the lane FFT (16 rows in AVX-512 registers) on \(Swift.min(threads, (rows + 15) / 16)) thread(s)" + spectral
        }
        if n % 2 == 0 && n >= halfLengthMinimum {
            return "\(shape): FFTW's c2c of n/2 points and LayerKit's butterfly pass, in row blocks of \(fftRowBlockBytes >> 10) KB on \(threads) thread(s)" + spectral
        }
        return "\(shape): FFTW's r2c, truncated, on \(threads) thread(s)" + spectral
    }

    /// The path the tensor reduction `y_bk = Σ_ij W_ijk x_bi x_bj` takes for `x` `[batch, inFeatures]`.
    public static func explainTensorReduction(batch: Int, inFeatures: Int, outFeatures: Int, dtype: DType = .float32) -> String {
        let pairs = inFeatures * (inFeatures + 1) / 2
        let shape = "\(dtype.rawValue) tensor reduction \(batch)×\(inFeatures) → \(outFeatures) (\(pairs) pairs)"
        if dtype == .float32 && quadraticTile(outputs: outFeatures) {
            return "\(shape): LayerKit's 8×32 tile kernel at \(level) over the 32-column panel fold (kept with W); input gradient through the pair-panel fold; weight gradient "
                + (quadraticWeightGradientTile(outputs: outFeatures) ? "through the tile kernel" : "through OpenBLAS (K not a multiple of 32)")
        }
        return "\(shape): OpenBLAS over the transposed fold Sᵀ (kept with W), "
            + (quadraticForwardTransposed(batch: batch, outputs: outFeatures) ? "yᵀ = Sᵀ·Oᵀ (batch ≤ outputs)" : "y = O·S")
    }

    /// The kept derived values, for the summary.
    public static var derivedValues: String {
        "derived values kept with a weight's buffer until it is written: " + keptDerivedValues.joined(separator: ", ")
    }
}
