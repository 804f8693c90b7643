import LayerKit

/// `--explain`: what ``KernelStrategy`` picks on this CPU for the shapes the workloads time.
func explainWorkloads(threads: Int) {
    print(KernelStrategy.summary)
    print(KernelStrategy.derivedValues)
    print("\nproducts:")
    for (m, n, k, tb) in [(256, 256, 784, true), (256, 10, 256, true), (1024, 1024, 1024, false), (64, 20480, 64, false),
                          (64, 20480, 192, false), (20480, 1, 128, true), (20480, 128, 64, true)] {
        print("  " + KernelStrategy.explainProduct(m: m, n: n, k: k, transB: tb))
    }
    print("\nFourier transforms:")
    for (rows, n, bins) in [(256, 1024, 512), (64, 4096, 2048), (16, 65536, 32768), (1024, 100, 50), (1280, 1024, 16)] {
        print("  " + KernelStrategy.explainRFFT(rows: rows, n: n, bins: bins))
    }
    print("\ntensor reduction:")
    for (b, i, k) in [(64, 32, 16), (256, 64, 64), (32, 128, 128)] {
        print("  " + KernelStrategy.explainTensorReduction(batch: b, inFeatures: i, outFeatures: k))
    }
    print("  " + KernelStrategy.explainTensorReduction(batch: 4, inFeatures: 5, outFeatures: 3, dtype: .float64))
}
