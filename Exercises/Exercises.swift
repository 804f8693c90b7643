@_exported import LayerKit
