/**
 * The ONNX protobuf messages this project writes and reads (a protobufjs JSON descriptor with the
 * field numbers of onnx.proto, just the messages needed) and a small graph builder. Shared by the
 * backbone converter and the model export (`qc export-model`), which appends a run's head to the
 * backbone graph.
 */
import type * as Protobuf from 'protobufjs';
import { deferredPackage, deferredValue } from '../../deferred';

// ONNX protobuf: just the messages needed, as a protobufjs JSON descriptor (field numbers from onnx.proto)

const ONNX_DESCRIPTOR = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            ir_version: { type: 'int64', id: 1 },
            producer_name: { type: 'string', id: 2 },
            producer_version: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            model_version: { type: 'int64', id: 5 },
            doc_string: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opset_import: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadata_props: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        StringStringEntryProto: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            doc_string: { type: 'string', id: 10 },
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
            s: { type: 'bytes', id: 4 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            data_type: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            raw_data: { type: 'bytes', id: 9 },
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

// protobufjs and the message types load with the first model written or read (core/deferred.ts).
const protobuf = deferredPackage<typeof Protobuf>('protobufjs');
export const ModelProto = deferredValue<Protobuf.Type>(() => protobuf.Root.fromJSON(ONNX_DESCRIPTOR).lookupType('onnx.ModelProto'));

export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT64: 7 } as const;
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
}
export interface OnnxNode {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: OnnxAttribute[];
}
export interface OnnxTensor {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}
export type AttrValue = number | number[] | string;
/** Attributes by name; an integer-valued attribute is written as INT(S) unless listed in `floatAttrs`. */
export type Attrs = Record<string, AttrValue>;
const FLOAT_ATTRS = new Set(['epsilon', 'alpha']);

function toAttribute(name: string, value: AttrValue): OnnxAttribute {
  if (typeof value === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(value) };
  const isFloat = FLOAT_ATTRS.has(name);
  if (Array.isArray(value)) return isFloat ? { name, type: AttrType.FLOATS, floats: value } : { name, type: AttrType.INTS, ints: value };
  return isFloat ? { name, type: AttrType.FLOAT, f: value } : { name, type: AttrType.INT, i: value };
}

export function floatBytes(data: Float32Array): Uint8Array {
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return bytes;
}

export function int64Bytes(values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return bytes;
}

/** Collects nodes and initializers; hands out unique tensor names. */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];

  floatConst(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push({ name, dims, data_type: DataType.FLOAT, raw_data: floatBytes(data) });
    return name;
  }

  int64Const(name: string, values: number[]): string {
    this.initializers.push({ name, dims: [values.length], data_type: DataType.INT64, raw_data: int64Bytes(values) });
    return name;
  }

  node(op: string, name: string, inputs: string[], attrs: Attrs = {}, output = name): string {
    const attribute = Object.entries(attrs).map(([k, v]) => toAttribute(k, v));
    this.nodes.push({ name, op_type: op, input: inputs, output: [output], attribute });
    return output;
  }
}

/** A graph input or output: a tensor of `elemType` with fixed (number) or named (string) dims. */
export function valueInfo(name: string, dims: (number | string)[], elemType: number = DataType.FLOAT) {
  const dim = dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d }));
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim } } } };
}
