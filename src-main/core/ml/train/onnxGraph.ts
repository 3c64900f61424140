/**
 * A tiny builder for small ONNX compute graphs (float32 tensors, the standard opset), encoded with
 * the project's one set of ONNX messages (backbone/onnx.ts). The head trainers use it to run their matrix products on onnxruntime's MLAS kernels
 * (multi-threaded, SIMD) instead of scalar JavaScript: ONNX here is just a portable way to ask a
 * well-kept native library for a GEMM, not a training framework.
 */
import { DataType, floatBytes, int64Bytes, ModelProto, valueInfo } from '../backbone/onnx';

const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

export type Dim = number | string;
type Attr = number | number[] | { float: number };

export class OnnxGraph {
  private readonly nodes: object[] = [];
  private readonly inputs: object[] = [];
  private readonly outputs: object[] = [];
  private readonly initializers: object[] = [];
  private count = 0;

  input(name: string, dims: Dim[], elemType: 'float32' | 'int64' = 'float32'): string {
    this.inputs.push(valueInfo(name, dims, elemType === 'int64' ? DataType.INT64 : DataType.FLOAT));
    return name;
  }

  output(name: string, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, dims));
  }

  /** An int64 constant (e.g. the axes of a reduction). */
  int64s(values: number[]): string {
    const name = `c${this.count++}`;
    this.initializers.push({ name, dims: [values.length], data_type: DataType.INT64, raw_data: int64Bytes(values) });
    return name;
  }

  /** A float32 constant of the given shape (a scalar with dims []). */
  floats(values: ArrayLike<number>, dims: number[]): string {
    const name = `c${this.count++}`;
    this.initializers.push({ name, dims, data_type: DataType.FLOAT, raw_data: floatBytes(Float32Array.from(values)) });
    return name;
  }

  /** Add a node; returns its (first) output name, `out` when given. */
  op(type: string, inputs: string[], attrs: Record<string, Attr> = {}, out?: string): string {
    const name = out ?? `t${this.count++}`;
    const attribute = Object.entries(attrs).map(([k, v]) =>
      typeof v === 'number' ? { name: k, type: ATTR_INT, i: v } : Array.isArray(v) ? { name: k, type: ATTR_INTS, ints: v } : { name: k, type: ATTR_FLOAT, f: v.float },
    );
    this.nodes.push({ op_type: type, input: inputs, output: [name], name: `n${this.count++}`, attribute });
    return name;
  }

  encode(opset = 13): Uint8Array {
    const model = {
      ir_version: 7,
      producer_name: 'quality-curator/train',
      opset_import: [{ domain: '', version: opset }],
      graph: { name: 'g', node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    };
    const err = ModelProto.verify(model);
    if (err) throw new Error(`onnx graph: ${err}`);
    return ModelProto.encode(ModelProto.fromObject(model)).finish();
  }
}
