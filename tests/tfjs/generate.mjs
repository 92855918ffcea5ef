// Reference outputs of the TF.js graph models, computed by TF.js itself (tfjs-core +
// tfjs-converter + the pure-JS CPU backend; no native addon). The C++ runner's parity tests
// (tests/detect/tst_tfjs_parity.cpp) feed the same input tensors and compare.
//
// Writes models/cache/tfjs-reference/:
//   index.json                     what was computed (shapes, dtypes, files, final detections)
//   <model>-<image>.input.bin      the model input (float32 or int32, little-endian, row-major)
//   <model>-<image>.out<k>.bin     raw output k (float32)
//   <image>.rgb.bin                the decoded image (uint8 RGB, row-major) fed to the pre-processing
// The pre-processing is @vladmandic/human's: tf.image.resizeBilinear (legacy: no half-pixel
// centres) to the input size; NanoDet /255 and NCHW; CenterNet 0-255 NHWC; MoveNet zero-pad to a
// centred square, resize to 256, cast to int32.
//
// usage: node generate.mjs [--force] [--debug MODEL IMAGE NODE[,NODE...]]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfconv from '@tensorflow/tfjs-converter';
import jpeg from 'jpeg-js';

const GENERATOR_VERSION = 3;
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const modelsDir = process.env.HOI_MODELS || path.join(root, 'models', 'cache');
const samplesDir = path.join(root, 'resources', 'samples');
const outDir = path.join(modelsDir, 'tfjs-reference');
const images = ['messi5.jpg', 'person.jpg', 'kite.jpg', 'dog.jpg'];
const SCORE = 0.3, IOU = 0.5, MAX = 100;

function loadModelFromFiles(jsonPath) {
  const json = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  const dir = path.dirname(jsonPath);
  const buffers = [];
  const weightSpecs = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
    weightSpecs.push(...group.weights);
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const handler = tf.io.fromMemory({
    modelTopology: json.modelTopology, format: json.format, generatedBy: json.generatedBy,
    convertedBy: json.convertedBy, signature: json.signature, userDefinedMetadata: json.userDefinedMetadata,
    weightSpecs, weightData,
  });
  return tfconv.loadGraphModel(handler).then((model) => ({ model, json }));
}

function decodeImage(file) {
  const raw = jpeg.decode(fs.readFileSync(file), { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024 });
  return { width: raw.width, height: raw.height, rgb: raw.data };
}

function save(name, typed) {
  fs.writeFileSync(path.join(outDir, name), Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength));
  return name;
}

function iou(a, b) {
  const iw = Math.min(a.box[2], b.box[2]) - Math.max(a.box[0], b.box[0]);
  const ih = Math.min(a.box[3], b.box[3]) - Math.max(a.box[1], b.box[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const area = (d) => (d.box[2] - d.box[0]) * (d.box[3] - d.box[1]);
  return inter / (area(a) + area(b) - inter);
}

function nmsClasswise(dets) {
  dets.sort((a, b) => b.score - a.score);
  const kept = [];
  for (const d of dets) {
    if (kept.length >= MAX) break;
    if (!kept.some((k) => k.class_id === d.class_id && iou(k, d) > IOU)) kept.push(d);
  }
  return kept;
}

const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));

// NanoDet: sigmoid class scores per anchor point; 4 sides x bins distribution, softmax expectation
// x stride from the centre ((col + 0.5) * stride).
function decodeNanodet(outs, size, width, height) {
  const dets = [];
  for (const stride of [8, 16, 32]) {
    const grid = size / stride, n = grid * grid;
    const s = outs.find((o) => o.shape[1] === n && o.shape[2] === 80);
    const b = outs.find((o) => o.shape[1] === n && o.shape[2] !== 80);
    const bins = b.shape[2] / 4;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 80; c++) {
        const score = s.data[i * 80 + c];
        if (!(score > SCORE)) continue;
        const dist = [];
        for (let side = 0; side < 4; side++) {
          const base = i * 4 * bins + side * bins;
          let mx = -Infinity;
          for (let k = 0; k < bins; k++) mx = Math.max(mx, b.data[base + k]);
          let sum = 0, ex = 0;
          for (let k = 0; k < bins; k++) { const e = Math.exp(b.data[base + k] - mx); sum += e; ex += e * k; }
          dist.push((ex / sum) * stride);
        }
        const cx = ((i % grid) + 0.5) * stride, cy = (Math.floor(i / grid) + 0.5) * stride;
        const sx = width / size, sy = height / size;
        dets.push({ class_id: c, score, box: [clamp((cx - dist[0]) * sx, 0, width), clamp((cy - dist[1]) * sy, 0, height),
          clamp((cx + dist[2]) * sx, 0, width), clamp((cy + dist[3]) * sy, 0, height)] });
      }
    }
  }
  return nmsClasswise(dets);
}

function decodeCenternet(out, size, width, height) {
  const dets = [];
  for (let i = 0; i < out.shape[1]; i++) {
    const r = out.data.subarray(i * 6, i * 6 + 6);
    if (!(r[4] > SCORE)) continue;
    const sx = width / size, sy = height / size;
    dets.push({ class_id: Math.round(r[5]), score: r[4], box: [clamp(r[0] * sx, 0, width), clamp(r[1] * sy, 0, height),
      clamp(r[2] * sx, 0, width), clamp(r[3] * sy, 0, height)] });
  }
  return nmsClasswise(dets);
}

function decodeMovenet(out, side, padLeft, padTop, width, height) {
  const poses = [];
  for (let i = 0; i < out.shape[1]; i++) {
    const r = out.data.subarray(i * 56, i * 56 + 56);
    if (!(r[55] > 0.2)) continue;
    const X = (v) => clamp(v * side - padLeft, 0, width), Y = (v) => clamp(v * side - padTop, 0, height);
    const keypoints = [];
    for (let k = 0; k < 17; k++) keypoints.push([X(r[3 * k + 1]), Y(r[3 * k]), r[3 * k + 2]]);
    poses.push({ score: r[55], box: [X(r[52]), Y(r[51]), X(r[54]), Y(r[53])], keypoints });
  }
  return poses.sort((a, b) => b.score - a.score);
}

function preprocess(name, img, size) {
  return tf.tidy(() => {
    const t = tf.cast(tf.tensor4d(Int32Array.from(img.rgb), [1, img.height, img.width, 3], 'int32'), 'float32');
    if (name === 'nanodet') return tf.transpose(tf.div(tf.image.resizeBilinear(t, [size, size], false), 255), [0, 3, 1, 2]);
    if (name === 'centernet') return tf.image.resizeBilinear(t, [size, size], false);
    const side = Math.max(img.width, img.height);
    const padLeft = Math.trunc((side - img.width) / 2), padTop = Math.trunc((side - img.height) / 2);
    const padded = tf.pad(t, [[0, 0], [padTop, side - img.height - padTop], [padLeft, side - img.width - padLeft], [0, 0]]);
    return tf.cast(tf.image.resizeBilinear(padded, [size, size], false), 'int32');
  });
}

async function main() {
  const args = process.argv.slice(2);
  await tf.setBackend('cpu');
  await tf.ready();
  fs.mkdirSync(outDir, { recursive: true });
  if (args[0] === '--debug') { // print intermediate node values (development aid)
    const [, model, image, nodes] = args;
    const { model: m, json } = await loadModelFromFiles(path.join(modelsDir, `${model}.json`));
    const size = { nanodet: 416, centernet: 512 }[model] || 256;
    const input = preprocess(model, decodeImage(path.join(samplesDir, image)), size);
    const outs = m.execute(input, nodes.split(','));
    for (const [i, o] of (Array.isArray(outs) ? outs : [outs]).entries()) {
      const d = o.dataSync();
      save(`debug-${i}.bin`, o.dtype === 'float32' ? new Float32Array(d) : new Int32Array(d));
      console.log(nodes.split(',')[i], o.shape, o.dtype, Array.from(d.slice(0, 8)));
    }
    return;
  }
  const indexFile = path.join(outDir, 'index.json');
  if (!args.includes('--force') && fs.existsSync(indexFile)) {
    const old = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
    if (old.generator === GENERATOR_VERSION) { console.log(`tfjs-reference: up to date (${outDir})`); return; }
  }
  const index = { generator: GENERATOR_VERSION, tfjs: tf.version_core, backend: tf.getBackend(),
    score_threshold: SCORE, nms_iou: IOU, max_detections: MAX, images: {}, models: {} };
  const decoded = {};
  for (const image of images) {
    const file = path.join(samplesDir, image);
    if (!fs.existsSync(file)) { console.error(`tfjs-reference: skipping missing sample ${file}`); continue; }
    decoded[image] = decodeImage(file);
    const img = decoded[image];
    index.images[image] = { width: img.width, height: img.height, rgb: save(`${image}.rgb.bin`, img.rgb) };
  }
  for (const name of ['nanodet', 'centernet', 'movenet-multipose']) {
    const jsonPath = path.join(modelsDir, `${name}.json`);
    if (!fs.existsSync(jsonPath)) { console.error(`tfjs-reference: skipping missing model ${jsonPath}`); continue; }
    const { model, json } = await loadModelFromFiles(jsonPath);
    const outputs = Object.values(json.signature.outputs).map((o) => o.name);
    const size = name === 'nanodet' ? 416 : name === 'centernet' ? 512 : 256;
    const cases = [];
    for (const [image, img] of Object.entries(decoded)) {
      const input = preprocess(name, img, size);
      const inputData = input.dataSync();
      const inputFile = save(`${name}-${image}.input.bin`, input.dtype === 'int32' ? new Int32Array(inputData) : new Float32Array(inputData));
      let outs = model.execute(input, outputs);
      if (!Array.isArray(outs)) outs = [outs];
      const raw = outs.map((o, k) => ({ name: outputs[k], shape: o.shape, data: new Float32Array(o.dataSync()) }));
      const entry = { image, width: img.width, height: img.height,
        input: { file: inputFile, shape: input.shape, dtype: input.dtype },
        outputs: raw.map((o, k) => ({ name: o.name, shape: o.shape, file: save(`${name}-${image}.out${k}.bin`, o.data) })) };
      if (name === 'nanodet') entry.detections = decodeNanodet(raw, size, img.width, img.height);
      else if (name === 'centernet') entry.detections = decodeCenternet(raw.find((o) => o.shape[2] === 6), size, img.width, img.height);
      else {
        const side = Math.max(img.width, img.height);
        entry.poses = decodeMovenet(raw[0], side, Math.trunc((side - img.width) / 2), Math.trunc((side - img.height) / 2), img.width, img.height);
      }
      cases.push(entry);
      tf.dispose([input, ...outs]);
      console.log(`tfjs-reference: ${name} ${image}: ${entry.detections ? entry.detections.length + ' detections' : entry.poses.length + ' poses'}`);
    }
    index.models[name] = { input_size: size, cases };
    model.dispose();
  }
  fs.writeFileSync(indexFile, JSON.stringify(index, null, 1));
  console.log(`tfjs-reference: wrote ${indexFile}`);
}

main().catch((e) => { console.error(`tfjs-reference: ${e.stack || e}`); process.exit(1); });
