/**
 * ONNX export: `exportOnnx(model, { inputShape, opset })` → bytes of a ModelProto.
 *
 * How the graph is found: by tracing one eval-mode forward pass, at two
 * levels. Layers that have an ONNX operator (Conv, BatchNormalization,
 * pools, Gemm, activations, …) are recognised by class while the forward
 * runs (each module's `call` is wrapped for the duration) and written as
 * that node from their configuration, so a BatchNorm stays one
 * BatchNormalization rather than the eight elementwise ops it computes
 * with. What models do *between* layers in their own `forward` — ResNet's
 * `add(out, identity)`, BasicConv2d's `relu`, every classifier's `flatten`,
 * Parallel's `concat` — is read off core's autograd tape (`traceOps`), which
 * records each op with its operands and result.
 *
 * Why not only map known module classes: the zoo's blocks (BasicBlock,
 * Bottleneck, BasicConv2d, GoogLeNet, ResNet) compose with functional ops
 * in hand-written forwards, so a class map would restate every forward and
 * silently diverge when one changes; tracing exports any user module built
 * the same way. Why not only an op-recording backend: kernels lose the
 * layer structure (BatchNorm, Linear, adaptive pools become many
 * elementwise/matmul kernels, reshapes are not kernels at all) and
 * parameters would have to be recognised by storage. The tape records no
 * attributes, so only attribute-free functional ops (elementwise, reshape,
 * concat) are accepted between layers; a functional pool or softmax is an
 * error that says to use the layer.
 *
 * Encoding uses the generated protobufjs classes of the official onnx.proto
 * (npm `onnx-proto`); this folder is browser-safe (bytes out, no Node builtin).
 */
export { exportOnnx, type ExportOnnxOptions } from './export.js';
export { OnnxExportError, type OnnxExportErrorCode } from './errors.js';
