import { describe, expect, it } from 'vitest';
import { peersFromText } from './AddPeersForm';

describe('peersFromText', () => {
  it('splits on spaces, commas and new lines, and drops empty entries', () => {
    expect(peersFromText(' 192.0.2.7:6881,[2001:db8::7]:6881\n198.51.100.2:51413 ,, ')).toEqual([
      '192.0.2.7:6881',
      '[2001:db8::7]:6881',
      '198.51.100.2:51413',
    ]);
    expect(peersFromText('   ')).toEqual([]);
  });
});
