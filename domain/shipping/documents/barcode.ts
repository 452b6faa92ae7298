import bwipjs from 'bwip-js';

/** Code 128 wants ten modules of white either side, or scanners cannot find where the symbol starts. */
const QUIET_ZONE_MODULES = 10;
/** Narrower than 0.19 mm, thermal printers at 203 dpi merge bars; refuse rather than print an unscannable label. */
const MIN_MODULE_PT = 0.19 * (72 / 25.4);

/** Bar widths in modules, bar first, as bwip-js encodes them (auto-switching code sets B and C). */
export function code128Modules(text: string): number[] {
  const [symbol] = bwipjs.raw({ bcid: 'code128', text });
  if (!symbol || !('sbs' in symbol)) throw new Error(`bwip-js gave no Code 128 pattern for ${JSON.stringify(text)}`);
  return symbol.sbs;
}

/**
 * Draws the barcode as filled vector rectangles: it stays sharp at any printer resolution, and the same
 * text always gives the same bytes. The symbol is centred in the box with its quiet zones inside it.
 */
export function drawCode128(doc: PDFKit.PDFDocument, text: string, box: { x: number; y: number; width: number; height: number; maxModule?: number }): { moduleWidth: number } {
  const widths = code128Modules(text);
  const modules = widths.reduce((sum, w) => sum + w, 0);
  const moduleWidth = Math.min(box.maxModule ?? Number.POSITIVE_INFINITY, box.width / (modules + 2 * QUIET_ZONE_MODULES));
  if (moduleWidth < MIN_MODULE_PT) throw new Error(`${JSON.stringify(text)} is too long for a scannable Code 128 in ${box.width.toFixed(0)} pt`);
  let x = box.x + (box.width - modules * moduleWidth) / 2;
  doc.save().fillColor('black');
  widths.forEach((w, i) => {
    if (i % 2 === 0) doc.rect(x, box.y, w * moduleWidth, box.height);
    x += w * moduleWidth;
  });
  doc.fill().restore();
  return { moduleWidth };
}
