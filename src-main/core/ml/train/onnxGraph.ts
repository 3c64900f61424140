/**
 * A tiny builder for small ONNX compute graphs (float32 tensors, the standard opset), encoded with
 * protobufjs. The head trainers use it to run their matrix products on onnxruntime's MLAS kernels
 * (multi-threaded, SIMD) instead of scalar JavaScript: ONNX here is just a portable way to ask a
 * well-kept native library for a GEMM, not a training framework.
 */
import protobuf from 'protobufjs';

const DESCRIPTOR = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            ir_version: { type: 'int64', id: 1 },
            producer_name: { type: 'string', id: 2 },
            graph: { type: 'GraphProto', id: 7 },
            opset_import: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
          },
        },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            op_type: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            data_type: { type: 'int32', id: 2 },
            int64_data: { rule: 'repeated', type: 'int64', id: 7 },
            name: { type: 'string', id: 8 },
          },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        TypeProto: { fields: { tensor_type: { type: 'TypeProtoTensor', id: 1 } } },
        TypeProtoTensor: { fields: { elem_type: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
        TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
        Dimension: { fields: { dim_value: { type: 'int64', id: 1 }, dim_param: { type: 'string', id: 2 } } },
      },
    },
  },
};

const ModelProto = protobuf.Root.fromJSON(DESCRIPTOR).lookupType('onnx.ModelProto');
const FLOAT = 1;
const INT64 = 7;
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

  private static info(name: string, dims: Dim[], elemType = FLOAT) {
    return { name, type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } } };
  }

  input(name: string, dims: Dim[], elemType: 'float32' | 'int64' = 'float32'): string {
    this.inputs.push(OnnxGraph.info(name, dims, elemType === 'int64' ? INT64 : FLOAT));
    return name;
  }

  output(name: string, dims: Dim[]): void {
    this.outputs.push(OnnxGraph.info(name, dims));
  }

  /** An int64 constant (e.g. the axes of a reduction). */
  int64s(values: number[]): string {
    const name = `c${this.count++}`;
    this.initializers.push({ name, dims: [values.length], data_type: INT64, int64_data: values });
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
