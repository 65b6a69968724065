'use strict';
/* global Buffer */
/*
 * A small ONNX model writer: the subset of onnx.proto needed to describe tiny tabular models (opset 13, IR 8),
 * so that examples, fixtures and tests produce real models without Python. Every graph has a symbolic batch
 * dimension `N` on its inputs and outputs, so one session run can score many rows.
 *
 *   const { writeLogisticRegression } = require('./examples/lib/onnx-writer');
 *   writeLogisticRegression({ weights: [0.5, -1.25], bias: 0.1, path: '/tmp/model.onnx' });
 */
const fs = require('node:fs');
const path = require('node:path');
const protobuf = require('protobufjs');

// Field numbers are onnx.proto's (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto).
const ONNX_PROTO = `
syntax = "proto2";
package onnx;
message AttributeProto {
  enum AttributeType { UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5; FLOATS = 6; INTS = 7; STRINGS = 8; }
  optional string name = 1;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  optional AttributeType type = 20;
}
message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
  optional string doc_string = 3;
}
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  repeated AttributeProto attribute = 5;
  optional string domain = 7;
}
message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}
message ModelProto {
  optional int64 ir_version = 1;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
  repeated StringStringEntryProto metadata_props = 14;
}
message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
}
message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
  }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
}
message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
`;

const DataType = { FLOAT: 1, INT64: 7, BOOL: 9 };
const IR_VERSION = 8;
const OPSET = 13;
const BATCH = 'N';

const root = protobuf.parse(ONNX_PROTO, { keepCase: true }).root;
const ModelProto = root.lookupType('onnx.ModelProto');

function assertNumbers(name, values) {
  if (!Array.isArray(values) || values.length === 0 || !values.every((v) => Number.isFinite(v))) {
    throw new TypeError(`${name} must be a non-empty array of finite numbers`);
  }
}

function floatTensor(name, dims, values) {
  return { name, dims, data_type: DataType.FLOAT, float_data: values };
}

/** A tensor value with a symbolic batch dimension first; `dims` are the fixed dimensions after it. */
function valueInfo(name, elemType, dims) {
  const dim = [{ dim_param: BATCH }, ...dims.map((d) => ({ dim_value: d }))];
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim } } } };
}

function node(opType, inputs, outputs, attributes = []) {
  return { op_type: opType, input: inputs, output: outputs, name: `${opType}_${outputs[0]}`, attribute: attributes };
}

function intAttribute(name, value) {
  return { name, i: value, type: 2 };
}

/** Column-major [features, outputs] weight matrix from rows of per-output weights. */
function weightMatrix(weights) {
  const matrix = Array.isArray(weights[0]) ? weights : weights.map((w) => [w]);
  matrix.forEach((row, i) => assertNumbers(`weights[${i}]`, row));
  return { dims: [matrix.length, matrix[0].length], values: matrix.flat() };
}

/** The affine part shared by every builder: `<prefix>_logit = input · W + b`, shape [N, outputs]. */
function affine({ weights, bias, inputName }) {
  const w = weightMatrix(weights);
  const b = Array.isArray(bias) ? bias : [bias];
  assertNumbers('bias', b);
  if (b.length !== w.dims[1]) throw new TypeError(`bias has ${b.length} values, weights have ${w.dims[1]} outputs`);
  return {
    features: w.dims[0],
    outputs: w.dims[1],
    initializer: [floatTensor('W', w.dims, w.values), floatTensor('B', [b.length], b)],
    nodes: [node('MatMul', [inputName, 'W'], ['xw']), node('Add', ['xw', 'B'], ['logit'])],
  };
}

function encodeModel({ name, nodes, initializer, inputs, outputs, metadata = {} }) {
  const model = {
    ir_version: IR_VERSION,
    producer_name: 'artenic-onnx-writer',
    producer_version: '1',
    model_version: 1,
    opset_import: [{ domain: '', version: OPSET }],
    graph: { name, node: nodes, initializer, input: inputs, output: outputs },
    metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value: String(value) })),
  };
  const problem = ModelProto.verify(model);
  if (problem) throw new Error(`invalid ONNX model: ${problem}`);
  return Buffer.from(ModelProto.encode(ModelProto.fromObject(model)).finish());
}

function save(bytes, filePath) {
  if (filePath) {
    fs.mkdirSync(path.dirname(filePath), { recursive: true });
    fs.writeFileSync(filePath, bytes);
  }
  return bytes;
}

/** probability[N,1] = sigmoid(input[N,F] · weights + bias). Returns the model bytes; writes them to `path` if given. */
function writeLogisticRegression({ weights, bias, inputName = 'input', outputName = 'probability', path: file }) {
  const a = affine({ weights, bias, inputName });
  const bytes = encodeModel({
    name: 'logistic_regression',
    nodes: [...a.nodes, node('Sigmoid', ['logit'], [outputName])],
    initializer: a.initializer,
    inputs: [valueInfo(inputName, DataType.FLOAT, [a.features])],
    outputs: [valueInfo(outputName, DataType.FLOAT, [a.outputs])],
  });
  return save(bytes, file);
}

/** prediction[N,1] = input[N,F] · weights + bias. */
function writeLinearRegression({ weights, bias, inputName = 'input', outputName = 'prediction', path: file }) {
  const a = affine({ weights, bias, inputName });
  const nodes = [a.nodes[0], node('Add', ['xw', 'B'], [outputName])];
  const bytes = encodeModel({
    name: 'linear_regression',
    nodes,
    initializer: a.initializer,
    inputs: [valueInfo(inputName, DataType.FLOAT, [a.features])],
    outputs: [valueInfo(outputName, DataType.FLOAT, [a.outputs])],
  });
  return save(bytes, file);
}

/**
 * Two-class classifier: probability[N,1] = sigmoid(input · weights + bias) and label[N,1] (int64) =
 * probability > threshold.
 */
function writeBinaryClassifier({
  weights,
  bias,
  threshold = 0.5,
  inputName = 'input',
  probabilityName = 'probability',
  labelName = 'label',
  path: file,
}) {
  const a = affine({ weights, bias, inputName });
  const nodes = [
    ...a.nodes,
    node('Sigmoid', ['logit'], [probabilityName]),
    node('Greater', [probabilityName, 'threshold'], ['is_positive']),
    node('Cast', ['is_positive'], [labelName], [intAttribute('to', DataType.INT64)]),
  ];
  const bytes = encodeModel({
    name: 'binary_classifier',
    nodes,
    initializer: [...a.initializer, floatTensor('threshold', [1], [threshold])],
    inputs: [valueInfo(inputName, DataType.FLOAT, [a.features])],
    outputs: [
      valueInfo(probabilityName, DataType.FLOAT, [a.outputs]),
      valueInfo(labelName, DataType.INT64, [a.outputs]),
    ],
  });
  return save(bytes, file);
}

/**
 * K-class softmax classifier: weights is [F][K]; probabilities[N,K] = softmax(input · W + b) and
 * label[N] (int64) = argmax over classes.
 */
function writeSoftmaxClassifier({
  weights,
  bias,
  inputName = 'input',
  probabilitiesName = 'probabilities',
  labelName = 'label',
  path: file,
}) {
  const a = affine({ weights, bias, inputName });
  const nodes = [
    ...a.nodes,
    node('Softmax', ['logit'], [probabilitiesName], [intAttribute('axis', 1)]),
    node('ArgMax', ['logit'], [labelName], [intAttribute('axis', 1), intAttribute('keepdims', 0)]),
  ];
  const bytes = encodeModel({
    name: 'softmax_classifier',
    nodes,
    initializer: a.initializer,
    inputs: [valueInfo(inputName, DataType.FLOAT, [a.features])],
    outputs: [valueInfo(probabilitiesName, DataType.FLOAT, [a.outputs]), valueInfo(labelName, DataType.INT64, [])],
  });
  return save(bytes, file);
}

module.exports = {
  writeLogisticRegression,
  writeLinearRegression,
  writeBinaryClassifier,
  writeSoftmaxClassifier,
  ModelProto,
};
