/** "redis://:secret@10.0.0.5:6380/0" → "10.0.0.5:6380": never show credentials, keep it short. */
export function nodeAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.host || url;
  } catch {
    return url.replace(/^[a-z]+:\/\/([^@/]*@)?/i, '').replace(/\/.*$/, '');
  }
}
