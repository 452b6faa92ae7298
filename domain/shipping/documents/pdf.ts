import PDFDocument from 'pdfkit';

export const MM = 72 / 25.4;

/** Draws a whole document and hands back its bytes; a throw while drawing rejects instead of hanging. */
export function renderPdf(options: PDFKit.PDFDocumentOptions, draw: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument(options);
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    try {
      draw(doc);
      doc.end();
    } catch (err) {
      reject(err);
    }
  });
}

/**
 * One line of text that must stay one line (a name on a label, a cell in a table): shrinks down to
 * `minSize`, then cuts with an ellipsis, rather than wrapping into the next block.
 */
export function fitLine(doc: PDFKit.PDFDocument, text: string, opts: { x: number; y: number; width: number; font: string; size: number; minSize?: number; align?: 'left' | 'center' | 'right' }): number {
  doc.font(opts.font);
  let size = opts.size;
  const min = opts.minSize ?? opts.size;
  while (size > min && doc.fontSize(size).widthOfString(text) > opts.width) size -= 0.5;
  doc.fontSize(size);
  let shown = text;
  if (doc.widthOfString(shown) > opts.width) {
    while (shown.length > 1 && doc.widthOfString(`${shown}…`) > opts.width) shown = shown.slice(0, -1);
    shown = `${shown.trimEnd()}…`;
  }
  doc.text(shown, opts.x, opts.y, { width: opts.width, align: opts.align ?? 'left', lineBreak: false });
  return size;
}
