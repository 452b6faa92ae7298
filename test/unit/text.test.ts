/** Free text in every input: trimmed, capped, no control characters; what reached a workflow unchecked is scrubbed. */
import { containsControlCharacters, hasControlCharacters, scrubControlCharacters, unstorablePaths } from '../../lib/controlCharacters';
import { text } from '../../lib/text';

const issues = (schema: ReturnType<typeof text>, value: unknown) => {
  const r = schema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => i.message);
};

describe('text()', () => {
  const name = text({ max: 10, min: 1, required: 'a name is needed' });

  test('trims, then counts', () => {
    expect(name.parse('  Alex  ')).toBe('Alex');
    expect(issues(name, '   ')).toEqual(['must not be empty']);
    expect(name.parse(' 0123456789 ')).toBe('0123456789');
    expect(issues(name, '01234567890')).toEqual(['must be at most 10 characters']);
  });

  test('the message for a missing value, or one that is not text, is the one given', () => {
    expect(issues(name, undefined)).toEqual(['a name is needed']);
    expect(issues(name, 42)).toEqual(['a name is needed']);
    expect(issues(text({ max: 5 }), null)).toEqual(['must be text']);
  });

  test('custom length messages and a minimum above one', () => {
    expect(issues(text({ max: 20, min: 3 }), 'ab')).toEqual(['must be at least 3 characters']);
    expect(issues(text({ max: 2, maxMessage: 'too long for a label' }), 'abc')).toEqual(['too long for a label']);
  });

  test('refuses NUL and every other control character on one line', () => {
    for (const c of ['\u0000', '\u0007', '\n', '\t', '\u001b', '\u007f', '\u0085', '\u009f']) expect(issues(name, `Al${c}ex`)).toEqual(['must not contain control characters (such as NUL)']);
  });

  test('multiline text keeps line breaks and tabs, turns \\r\\n into \\n, and still refuses the rest', () => {
    const note = text({ max: 50, multiline: true });
    expect(note.parse('line one\r\n\tline two')).toBe('line one\n\tline two');
    expect(issues(note, 'bell\u0007')).toEqual(['must not contain control characters other than line breaks and tabs']);
    expect(issues(note, 'lone\rreturn')).toEqual(['must not contain control characters other than line breaks and tabs']);
  });

  test('passwords keep their exact characters', () => {
    expect(text({ max: 20, trim: false }).parse('  secret  ')).toBe('  secret  ');
  });
});

describe('control characters in data that reached a workflow without a schema', () => {
  test('hasControlCharacters: single line and multiline rules', () => {
    expect(hasControlCharacters('plain text, accents é and emoji 👕')).toBe(false);
    expect(hasControlCharacters('a\nb')).toBe(true);
    expect(hasControlCharacters('a\nb\tc', true)).toBe(false);
    expect(hasControlCharacters('a\u0000b', true)).toBe(true);
  });

  test('scrub replaces each refused character with U+FFFD, in keys and nested values, and leaves the rest', () => {
    const scrubbed = scrubControlCharacters({ note: 'a\u0000b\nc', ['k\u0001']: [1, 'x\u007f', null, { deep: '\u009f' }], n: 5 });
    expect(scrubbed).toEqual({ note: 'a\uFFFDb\nc', 'k\uFFFD': [1, 'x\uFFFD', null, { deep: '\uFFFD' }], n: 5 });
    expect(containsControlCharacters(scrubbed)).toBe(false);
  });

  test('containsControlCharacters looks in keys and nested values', () => {
    expect(containsControlCharacters({ a: ['fine', { b: 'also fine\n' }] })).toBe(false);
    expect(containsControlCharacters({ a: ['fine', { b: 'not\u0000' }] })).toBe(true);
    expect(containsControlCharacters({ ['bad\u0002key']: 1 })).toBe(true);
    expect(containsControlCharacters(42)).toBe(false);
  });

  test('unstorablePaths names each string PostgreSQL would refuse: NUL and lone surrogates, not a paired emoji', () => {
    const payload = { data: { object: { metadata: { note: 'x\u0000', ok: '👕', half: '\ud83d' } } }, list: ['\udc55'] };
    expect(unstorablePaths(payload)).toEqual(['data.object.metadata.note', 'data.object.metadata.half', 'list.0']);
    expect(unstorablePaths('\u0000')).toEqual(['(body)']);
    expect(unstorablePaths({ ['k\u0000']: 'v' })).toEqual(['k?']);
  });
});
