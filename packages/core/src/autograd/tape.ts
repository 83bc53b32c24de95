import type { Tensor } from '../tensor/tensor.js';

/**
 * A backward rule: given the gradient of the op's output, return the
 * gradient of each input (null where the input is not differentiable).
 * `needs[i]` says whether input i's gradient is wanted, so a rule can skip
 * work for constants. Written with ops, so when an outer tape is recording, the backward pass is
 * itself recorded and can be differentiated again.
 */
export type BackwardFn = (dy: Tensor, needs: readonly boolean[]) => readonly (Tensor | null | undefined)[];

/** One recorded op application. */
export interface TapeNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly backward: BackwardFn;
}

/**
 * Records the ops applied to the tensors it watches and to everything
 * computed from them. Tapes nest: an op is recorded on every active tape that
 * tracks one of its inputs, which is what makes gradients of gradients work.
 */
export class Tape {
  readonly nodes: TapeNode[] = [];
  private readonly tracked = new Set<number>();
  private readonly held: Tensor[] = [];

  watch(t: Tensor): void {
    this.tracked.add(t.id);
  }

  /** Stops tracking every tensor, so the tape can record afresh. */
  forget(): void {
    this.tracked.clear();
  }

  tracks(t: Tensor): boolean {
    return this.tracked.has(t.id);
  }

  record(node: TapeNode): void {
    this.nodes.push(node);
    this.tracked.add(node.output.id);
    for (const t of node.inputs) this.hold(t);
    this.hold(node.output);
  }

  private hold(t: Tensor): void {
    t.holdTape();
    this.held.push(t);
  }

  /** Lets go of every tensor the recorded nodes kept alive. */
  release(): void {
    for (const t of this.held) t.releaseTape();
    this.held.length = 0;
    this.nodes.length = 0;
  }
}

/** Spare tapes beyond this many (the nesting depth of gradients seen) are left to the collector. */
const MAX_SPARE_TAPES = 8;
/**
 * Finished tapes, emptied, for the next gradient to record on. Reuse keeps
 * one Tape alive between training steps, and that is why it is here: V8
 * reaches a class instance's shape through weak transitions, so a full GC
 * while no tape exists (between steps, as an idle-time or forced collection
 * does) frees the shape and deoptimizes every function compiled against it,
 * the whole recording path (runOp, recordOp, backprop, the Tape methods),
 * which then runs unoptimized until V8 compiles it again.
 */
const spareTapes: Tape[] = [];

/** An empty tape, recycled when one is spare. */
export function takeTape(): Tape {
  return spareTapes.pop() ?? new Tape();
}

/** Releases `tape` (see Tape.release) and keeps it for a later takeTape; it must not be active. */
export function recycleTape(tape: Tape): void {
  tape.release();
  tape.forget();
  if (spareTapes.length < MAX_SPARE_TAPES && !spareTapes.includes(tape)) spareTapes.push(tape);
}

const active: Tape[] = [];
/** Tapes below this index are paused (noGrad); tapes pushed later, e.g. by a grad() call inside noGrad, still record. */
let firstRecording = 0;

export function pushTape(tape: Tape): void {
  active.push(tape);
}

export function popTape(tape: Tape): void {
  const i = active.lastIndexOf(tape);
  if (i >= 0) active.splice(i, 1);
  firstRecording = Math.min(firstRecording, active.length);
}

/** True when some active tape would record an op on these inputs. */
export function isRecording(inputs: readonly Tensor[]): boolean {
  for (let i = firstRecording; i < active.length; i++) for (const t of inputs) if (active[i]!.tracks(t)) return true;
  return false;
}

/** Records an op on every active tape that tracks one of its inputs. */
export function recordOp(op: string, inputs: readonly Tensor[], output: Tensor, backward: BackwardFn): void {
  for (let i = firstRecording; i < active.length; i++) {
    const tape = active[i]!;
    if (inputs.some((t) => tape.tracks(t))) tape.record({ op, inputs, output, backward });
  }
}

/** Runs `fn` with recording switched off on every tape active now. */
export function withoutRecording<T>(fn: () => T): T {
  const saved = firstRecording;
  firstRecording = active.length;
  try {
    return fn();
  } finally {
    firstRecording = saved;
  }
}
