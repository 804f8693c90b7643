/// A lookup table of `numEmbeddings` vectors of size `embeddingDim` (PyTorch's `nn.Embedding`).
///
/// `weight` has shape `[numEmbeddings, embeddingDim]`, PyTorch's name and layout, so state
/// dicts load both ways; it starts as N(0, 1), PyTorch's default. The input is an int64
/// tensor of indices of any shape; the output has that shape plus `[embeddingDim]`. The
/// gradient flows into the rows that were looked up (repeated indices accumulate); none flows
/// into the indices.
///
///     let embed = Embedding(10, 3, generator: Generator(seed: 0))
///     let vectors = embed(Tensor([1, 2, 4, 5, 4, 3, 2, 9] as [Int], shape: [2, 4]))   // [2, 4, 3]
public final class Embedding: Module {
    /// The number of rows of the table.
    public let numEmbeddings: Int
    /// The size of each vector.
    public let embeddingDim: Int
    /// The table, `[numEmbeddings, embeddingDim]`.
    public var weight: Parameter

    /// A table of `numEmbeddings` vectors of size `embeddingDim`, drawn from N(0, 1) (from
    /// `generator` when given, otherwise from the default stream).
    public init(numEmbeddings: Int, embeddingDim: Int, dtype: DType = .float32, generator: Generator? = nil) {
        if numEmbeddings < 0 || embeddingDim < 0 {
            opError("Embedding", "num_embeddings and embedding_dim must be non-negative, got \(numEmbeddings) and \(embeddingDim)")
        }
        if !dtype.isFloatingPoint {
            opError("Embedding", "only Tensors of floating point dtype can require gradients (got \(dtype))")
        }
        self.numEmbeddings = numEmbeddings
        self.embeddingDim = embeddingDim
        weight = Parameter(Tensor.randn([numEmbeddings, embeddingDim], dtype: dtype, generator: generator))
        super.init()
    }

    /// PyTorch's positional spelling: `Embedding(10, 3)`.
    public convenience init(_ numEmbeddings: Int, _ embeddingDim: Int, dtype: DType = .float32, generator: Generator? = nil) {
        self.init(numEmbeddings: numEmbeddings, embeddingDim: embeddingDim, dtype: dtype, generator: generator)
    }

    /// `10, 3`, as PyTorch prints `Embedding(10, 3)`.
    public override var extraDescription: String { "\(numEmbeddings), \(embeddingDim)" }

    /// The vectors at `indices` (an int64 tensor of any shape): shape `indices.shape + [embeddingDim]`.
    public override func forward(_ indices: Tensor) -> Tensor {
        if indices.dtype.isFloatingPoint || indices.dtype == .bool {
            opError("Embedding", "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got \(indices.dtype) instead")
        }
        let rows = weight.indexSelect(axis: 0, index: indices.reshape([indices.count]))
        return rows.reshape(indices.shape + [embeddingDim])
    }
}
