// {{name}}: a publishing provider. POSTs each post as JSON to config `endpoint` with `fetch`
// (wasi:http underneath): the host checks the request against the grant and attaches your
// credential for that origin, never this code.
import { get } from 'dailyx:agent/config@0.2.0';

export const providerApi = {
  async publish(post) {
    const endpoint = get('endpoint');
    if (!endpoint) throw { tag: 'not-sent', val: 'config `endpoint` is not set' };
    let response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': post.idempotencyKey },
        body: JSON.stringify({ text: post.text, reply_to: post.replyTo ?? null }),
      });
    } catch (e) {
      // The host may have sent it (a timeout, a broken connection): it reconciles.
      throw { tag: 'unknown', val: String(e) };
    }
    const answer = (await response.text()).trim();
    if (response.ok) return { remoteId: answer || post.idempotencyKey, url: undefined };
    if (response.status === 401 || response.status === 403) throw { tag: 'unauthorized', val: `status ${response.status}` };
    if (response.status === 429) throw { tag: 'rate-limited', val: undefined };
    throw { tag: response.status >= 500 ? 'unknown' : 'rejected', val: `status ${response.status}` };
  },

  recent(sinceMs) {
    throw { tag: 'rejected', val: 'this provider cannot list posts' };
  },
};
