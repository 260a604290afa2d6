"""{{name}}: a publishing provider. POSTs each post as JSON to config `endpoint` through
wasi:http; the host checks the request against the grant and attaches your credential for that
origin, never this code."""
import json

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import config, dailyx_agent_types as t
import wasi_fetch


class ProviderApi(exports.ProviderApi):
    def publish(self, post: t.OutboundPost) -> t.ProviderReceipt:
        endpoint = config.get("endpoint")
        if not endpoint:
            raise Err(t.ProviderError_NotSent("config `endpoint` is not set"))
        body = json.dumps({"text": post.text, "reply_to": post.reply_to}).encode()
        headers = [("content-type", "application/json"), ("idempotency-key", post.idempotency_key)]
        try:
            status, _, answer = wasi_fetch.fetch("POST", endpoint, headers, body)
        except wasi_fetch.Refused as e:  # refused before sending: certainly not posted
            raise Err(t.ProviderError_NotSent(str(e)))
        except wasi_fetch.Failed as e:  # sent, or maybe sent: the host reconciles
            raise Err(t.ProviderError_Unknown(str(e)))
        if 200 <= status < 300:
            remote_id = answer.decode(errors="replace").strip() or post.idempotency_key
            return t.ProviderReceipt(remote_id=remote_id, url=None)
        if status in (401, 403):
            raise Err(t.ProviderError_Unauthorized(f"status {status}"))
        if status == 429:
            raise Err(t.ProviderError_RateLimited(None))
        raise Err(t.ProviderError_Unknown(f"status {status}") if status >= 500
                  else t.ProviderError_Rejected(f"status {status}"))

    def recent(self, since_ms: int):
        raise Err(t.ProviderError_Rejected("this provider cannot list posts"))
