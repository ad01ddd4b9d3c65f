/**
 * How an address is shown before the user proved they own it: `j***e@example.com`. An identifier
 * that is not an address is masked the same way so unknown accounts look like known ones.
 */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  const local = at > 0 ? address.slice(0, at) : address;
  const domain = at > 0 ? address.slice(at + 1) : 'example.com';
  const first = [...local][0] ?? '*';
  const last = [...local].length > 2 ? [...local].at(-1)! : '';
  return `${first}***${last}@${domain}`;
}
