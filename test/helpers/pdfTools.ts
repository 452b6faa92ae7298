import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BarcodeFormat, BinaryBitmap, DecodeHintType, HybridBinarizer, MultiFormatReader, NotFoundException, RGBLuminanceSource } from '@zxing/library';
import { PNG } from 'pngjs';

const run = promisify(execFile);

/** poppler-utils is a machine prerequisite (.ci/run installs it): say so plainly instead of an ENOENT. */
async function poppler(tool: 'pdftoppm' | 'pdftotext' | 'pdfinfo', args: string[]): Promise<string> {
  try {
    const { stdout } = await run(tool, args, { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${tool} is not installed: these tests need poppler-utils (apt-get install -y poppler-utils)`);
    throw err;
  }
}

function withPdfFile<T>(pdf: Buffer, fn: (file: string, dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dy-docs-'));
  const file = path.join(dir, 'doc.pdf');
  fs.writeFileSync(file, pdf);
  return fn(file, dir).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

/** One page rasterised the way a scanner sees print: greyscale PNG at `dpi`. */
export function rasterise(pdf: Buffer, opts: { page?: number; dpi?: number } = {}): Promise<PNG> {
  const page = String(opts.page ?? 1);
  return withPdfFile(pdf, async (file, dir) => {
    await poppler('pdftoppm', ['-r', String(opts.dpi ?? 300), '-png', '-f', page, '-l', page, '-singlefile', file, path.join(dir, 'page')]);
    return PNG.sync.read(fs.readFileSync(path.join(dir, 'page.png')));
  });
}

/** The Code 128 barcode on a rendered page, as ZXing reads it; undefined when it finds none. */
export function decodeCode128(png: PNG): string | undefined {
  const luminance = new Uint8ClampedArray(png.width * png.height);
  for (let i = 0; i < luminance.length; i++) {
    const o = i * 4;
    luminance[i] = (png.data[o] * 299 + png.data[o + 1] * 587 + png.data[o + 2] * 114) / 1000;
  }
  const reader = new MultiFormatReader();
  const hints = new Map<DecodeHintType, unknown>([
    [DecodeHintType.POSSIBLE_FORMATS, [BarcodeFormat.CODE_128]],
    [DecodeHintType.TRY_HARDER, true],
  ]);
  try {
    return reader.decode(new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance, png.width, png.height))), hints).getText();
  } catch (err) {
    if (err instanceof NotFoundException) return undefined;
    throw err;
  }
}

export function pdfText(pdf: Buffer): Promise<string> {
  return withPdfFile(pdf, (file) => poppler('pdftotext', ['-layout', file, '-']));
}

export async function pdfInfo(pdf: Buffer): Promise<{ pages: number; pageSize: string; title: string }> {
  const out = await withPdfFile(pdf, (file) => poppler('pdfinfo', [file]));
  const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(out)?.[1] ?? '';
  return { pages: Number(field('Pages')), pageSize: field('Page size'), title: field('Title') };
}
