// Opcodes shared by the AssemblyScript kernels and the TypeScript glue (this
// file compiles as both languages, so the numbering has one source of truth).

export const U_NEG = 0;
export const U_ABS = 1;
export const U_SIGN = 2;
export const U_SQUARE = 3;
export const U_SQRT = 4;
export const U_RSQRT = 5;
export const U_RECIPROCAL = 6;
export const U_EXP = 7;
export const U_EXPM1 = 8;
export const U_LOG = 9;
export const U_LOG1P = 10;
export const U_SIN = 11;
export const U_COS = 12;
export const U_TANH = 13;
export const U_SIGMOID = 14;
export const U_RELU = 15;
export const U_FLOOR = 16;
export const U_CEIL = 17;
export const U_ROUND = 18;

export const B_ADD = 0;
export const B_SUB = 1;
export const B_MUL = 2;
export const B_DIV = 3;
export const B_POW = 4;
export const B_MAXIMUM = 5;
export const B_MINIMUM = 6;
export const B_EQUAL = 7;
export const B_NOT_EQUAL = 8;
export const B_GREATER = 9;
export const B_GREATER_EQUAL = 10;
export const B_LESS = 11;
export const B_LESS_EQUAL = 12;
/** a·[b > 0]: relu's gradient (a = dy, b = x), the contract's optional fused reluBackward. */
export const B_RELU_GRAD = 13;

export const R_SUM = 0;
export const R_MAX = 1;
export const R_MIN = 2;

export const A_ARGMAX = 0;
export const A_ARGMIN = 1;

/** Capacity of the dimension arrays in a strided-loop descriptor. */
export const MAX_RANK = 8;
/** Word offsets inside a strided-loop descriptor: rank, shape, then up to three stride arrays. */
export const SD_RANK = 0;
export const SD_SHAPE = 1;
export const SD_STRIDES_A = 1 + MAX_RANK;
export const SD_STRIDES_B = 1 + 2 * MAX_RANK;
export const SD_STRIDES_C = 1 + 3 * MAX_RANK;
export const SD_WORDS = 1 + 4 * MAX_RANK;

/**
 * Word offsets inside a window descriptor (conv, pooling, unfold), every
 * spatial triple padded to 3-D as (depth, height, width): the counts first,
 * then input size, kernel, output size, stride, dilation, padding before and
 * after, and the average-pooling divisor rule. assembly/window.ts reads it.
 */
export const W_N = 0;
export const W_C = 1;
export const W_O = 2;
export const W_GROUPS = 3;
export const W_D = 4;
export const W_H = 5;
export const W_W = 6;
export const W_KD = 7;
export const W_KH = 8;
export const W_KW = 9;
export const W_OD = 10;
export const W_OH = 11;
export const W_OW = 12;
export const W_SD = 13;
export const W_SH = 14;
export const W_SW = 15;
export const W_DD = 16;
export const W_DH = 17;
export const W_DW = 18;
export const W_PD = 19;
export const W_PH = 20;
export const W_PW = 21;
export const W_PD_AFTER = 22;
export const W_PH_AFTER = 23;
export const W_PW_AFTER = 24;
export const W_COUNT_INCLUDE_PAD = 25;
export const W_WORDS = 26;

// Flags of the fused optimizer steps (optimizer.ts).
export const OPT_MAXIMIZE = 1;
/** A nonzero weight decay. */
export const OPT_WEIGHT_DECAY = 2;
/** SGD with momentum: a momentum buffer is read (with OPT_STATE) and written. */
export const OPT_MOMENTUM = 4;
export const OPT_NESTEROV = 8;
/** The parameter has state from an earlier step; without it SGD's buffer starts at the gradient, Adam's moments at 0. */
export const OPT_STATE = 16;
/** AdamW: the decay scales the weights instead of joining the gradient. */
export const OPT_DECOUPLED = 32;
