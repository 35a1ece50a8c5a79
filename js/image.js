// image.js — ImageData (or { data, width, height } RGBA) → the model's input floats.
//
// 1-channel models get luminance (ITU-R BT.601: 0.299 R + 0.587 G + 0.114 B), 3-channel
// models RGB, 4-channel models RGBA; every value scaled from 0..255 to [0, 1]. Alpha is
// ignored for 1 and 3 channels. The image must already be the model's input size: resizing
// and MNIST-style centring are preprocessing, not this.

export function isImageLike(x) {
  return (
    x !== null && typeof x === 'object' && !ArrayBuffer.isView(x) && !Array.isArray(x) &&
    'data' in x && typeof x.width === 'number' && typeof x.height === 'number'
  );
}

/** Writes the image into `dst` (h·w·c floats, HWC). */
export function imageToFloats(img, [h, w, c], dst, where) {
  if (img.width !== w || img.height !== h) {
    throw new Error(`${where}: ImageData is ${img.width}×${img.height}, the model needs ${w}×${h} (width×height)`);
  }
  const src = img.data;
  if (!src || src.length !== w * h * 4) {
    throw new Error(`${where}: ImageData.data must hold ${w * h * 4} RGBA bytes, got ${src ? src.length : src}`);
  }
  const n = w * h;
  if (c === 1) {
    for (let i = 0; i < n; i++) {
      dst[i] = (0.299 * src[4 * i] + 0.587 * src[4 * i + 1] + 0.114 * src[4 * i + 2]) / 255;
    }
  } else if (c === 3 || c === 4) {
    for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) dst[i * c + k] = src[4 * i + k] / 255;
  } else {
    throw new Error(`${where}: an ImageData input needs a model with 1, 3 or 4 input channels; this one has ${c}`);
  }
}
