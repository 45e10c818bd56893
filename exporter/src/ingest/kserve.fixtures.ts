/**
 * KServe inference-logger events as the logger sends them (binary-mode CloudEvents: `ce-*` headers and
 * the model server's raw request or response bytes as the body), for tests. Shapes and where each
 * comes from (kserve/kserve at aaac4e294dae2c7b1aa1886447793f3aa1c30912; docs/kserve.md):
 * - headers: pkg/logger/worker.go sendHttpCloudEvent (id, type, source, time, the inferenceservicename,
 *   namespace, component, endpoint, metadata, recordedtime extensions) and pkg/logger/handler.go
 *   (Content-Type copied from the client's request onto both events; the pair shares Ce-Id).
 * - SKLEARN_V1: request docs/samples/logger/basic/iris-input.json, posted with `curl -d` (so
 *   application/x-www-form-urlencoded); response `{"predictions": [1, 1]}` (the same README's
 *   message-dumper output and test/e2e/predictor/test_sklearn.py).
 * - SKLEARN_V2: request test/e2e/data/sklearn_mixed_v2.json (one named [n] tensor per column with
 *   parameters.content_type "pd"); response `outputs[0]` "output-0" [1] FP64 12.202832815138274
 *   (test_sklearn.py), in the InferResponse.to_rest layout (python/kserve/kserve/protocol/infer_type.py).
 * - TENSOR_V2: request docs/samples/v1beta1/sklearn/v2/iris-input.json (one FP32 tensor [2, 4], data
 *   nested); response of predict_proba (PREDICT_PROBA=true, python/sklearnserver/sklearnserver/model.py)
 *   through get_predict_response (python/kserve/kserve/utils/utils.py): one "output-0" tensor [2, 3]
 *   FP64 whose data InferOutput.set_data_from_numpy flattens in row order.
 */
export interface RecordedEvent {
  headers: Record<string, string>;
  body: string;
}

function headers(
  type: 'request' | 'response',
  id: string,
  service: string,
  contentType: string,
  time?: string,
): Record<string, string> {
  return {
    'content-type': contentType,
    'ce-specversion': '1.0',
    'ce-id': id,
    'ce-type': `org.kubeflow.serving.inference.${type}`,
    'ce-source': `http://localhost:9081/`,
    ...(time ? { 'ce-time': time, 'ce-recordedtime': time } : {}),
    'ce-inferenceservicename': service,
    'ce-namespace': 'default',
    'ce-component': 'predictor',
    'ce-endpoint': '',
    'ce-metadata': '{}',
  };
}

export const SKLEARN_V1: RecordedEvent[] = [
  {
    headers: headers(
      'request',
      '0009174a-24a8-4603-b098-09c8799950e9',
      'sklearn-iris',
      'application/x-www-form-urlencoded',
    ),
    body: '{\n  "instances": [\n    [6.8,  2.8,  4.8,  1.4],\n    [6.0,  3.4,  4.5,  1.6]\n  ]\n}\n',
  },
  {
    headers: headers(
      'response',
      '0009174a-24a8-4603-b098-09c8799950e9',
      'sklearn-iris',
      'application/x-www-form-urlencoded',
    ),
    body: '{"predictions":[1,1]}',
  },
];

const MIXED_REQUEST = {
  parameters: { content_type: 'pd' },
  inputs: [
    { name: 'MSZoning', shape: [1], datatype: 'BYTES', data: ['RL'] },
    { name: 'LotArea', shape: [1], datatype: 'INT32', data: [8450] },
    { name: 'LotShape', shape: [1], datatype: 'BYTES', data: ['Reg'] },
    { name: 'Utilities', shape: [1], datatype: 'BYTES', data: ['AllPub'] },
    { name: 'YrSold', shape: [1], datatype: 'INT32', data: [2008] },
    { name: 'Neighborhood', shape: [1], datatype: 'BYTES', data: ['CollgCr'] },
    { name: 'OverallQual', shape: [1], datatype: 'INT32', data: [7] },
    { name: 'YearBuilt', shape: [1], datatype: 'INT32', data: [2003] },
    { name: 'SaleType', shape: [1], datatype: 'BYTES', data: ['WD'] },
    { name: 'GarageArea', shape: [1], datatype: 'INT32', data: [548] },
  ],
};

export const SKLEARN_V2: RecordedEvent[] = [
  {
    headers: headers(
      'request',
      '5f1e6d0c-2b1f-4a55-9a3e-6c1d2f0b8e71',
      'isvc-sklearn-mixed-v2',
      'application/json',
      '2026-03-10T12:00:00.123456789Z',
    ),
    body: JSON.stringify(MIXED_REQUEST, null, 2),
  },
  {
    headers: headers(
      'response',
      '5f1e6d0c-2b1f-4a55-9a3e-6c1d2f0b8e71',
      'isvc-sklearn-mixed-v2',
      'application/json',
      '2026-03-10T12:00:00.130456789Z',
    ),
    body: JSON.stringify({
      id: 'f0b2a0b8-1c2d-4e0f-8a31-0b7c5d9e2a14',
      model_name: 'isvc-sklearn-mixed-v2',
      model_version: null,
      outputs: [{ name: 'output-0', shape: [1], datatype: 'FP64', data: [12.202832815138274] }],
    }),
  },
];

export const TENSOR_V2: RecordedEvent[] = [
  {
    headers: headers(
      'request',
      'b7e7c1f4-93a3-4c1e-8d7e-2a6f1c0d9b35',
      'sklearn-irisv2',
      'application/json',
      '2026-03-10T12:00:01Z',
    ),
    body: '{\n  "inputs": [\n    {\n      "name": "input-0",\n      "shape": [2, 4],\n      "datatype": "FP32",\n      "data": [\n        [6.8, 2.8, 4.8, 1.4],\n        [6.0, 3.4, 4.5, 1.6]\n      ]\n    }\n  ]\n}\n',
  },
  {
    headers: headers(
      'response',
      'b7e7c1f4-93a3-4c1e-8d7e-2a6f1c0d9b35',
      'sklearn-irisv2',
      'application/json',
      '2026-03-10T12:00:01.25Z',
    ),
    body: JSON.stringify({
      id: 'b7e7c1f4-93a3-4c1e-8d7e-2a6f1c0d9b35',
      model_name: 'sklearn-irisv2',
      model_version: 'v1',
      outputs: [
        {
          name: 'output-0',
          shape: [2, 3],
          datatype: 'FP64',
          data: [0.0, 0.8, 0.2, 0.01, 0.59, 0.4],
        },
      ],
    }),
  },
];
