"""Sync SDK clients whose method calls make a network request (FL101).

An SDK is described by the type inference gives its objects (``openai.OpenAI``,
``botocore.client.BaseClient``) or by a module whose classes call the network themselves
(``stripe``: ``stripe.PaymentIntent.create(...)``). A call is looked up by its qualified
name, ``openai.OpenAI.chat.completions.create``: the longest known type that prefixes it,
then the path after it (``chat.completions.create``):

- ``namespaces``: the first attributes that lead to resource namespaces
  (``client.chat``); ``None``: any public attribute does. Attribute reads along such a path
  keep the SDK's type (``client.chat.completions`` is ``openai.OpenAI.chat.completions``),
  other attributes (``client.api_key``) are plain values;
- ``direct``: whether methods called on the object itself make requests
  (``s3.put_object``), or only those reached through a namespace;
- ``methods``: the methods that make a request; ``None``: every method but ``quiet``;
- ``use_instead``: the advice; ``{call}`` stands for the qualified name of the call;
- ``quiet``: methods that make no request (``generate_presigned_url``, ``with_options``).
  Their result, like a class built along the path (``s3.Bucket("b")``), stays in the SDK
  (``s3.Bucket("b").upload_file(...)`` blocks).

Async twins are absent on purpose: their calls return awaitables, so they are never
reported. Constructors that connect (``smtplib.SMTP(host)``, ``pika.BlockingConnection``)
are listed in ``CONNECTING_CONSTRUCTORS``; creating any of these clients per request is
FL202 (``clients.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class SdkClient:
    type: str
    use_instead: str
    namespaces: frozenset[str] | None = frozenset()
    direct: bool = True
    methods: frozenset[str] | None = None
    quiet: frozenset[str] = frozenset()
    code: str = "FL101"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_OPENAI_NAMESPACES = _words(
    "chat completions embeddings files images audio moderations models fine_tuning beta batches uploads "
    "responses vector_stores evals containers conversations realtime with_raw_response with_streaming_response "
    # openai < 1.0: module-level resource classes (``openai.ChatCompletion.create``).
    "ChatCompletion Completion Embedding Image Moderation Audio File FineTune FineTuningJob Model Edit"
)
_OPENAI_QUIET = _words("with_options copy close unwrap verify_signature acreate")
_ANTHROPIC_NAMESPACES = _words("messages completions models beta with_raw_response with_streaming_response")
_BOTO3_QUIET = _words("generate_presigned_url generate_presigned_post get_paginator get_waiter can_paginate close")
_ES_NAMESPACES = _words(
    "indices cluster cat nodes ingest snapshot tasks security ml transform sql async_search eql license "
    "enrich ilm slm watcher xpack graph rollup ccr search_application query_rules connector inference esql"
)
_TWILIO_VERBS = _words("create fetch update delete list stream page get_page")
_SMTP_METHODS = _words("connect starttls login auth send_message sendmail ehlo helo ehlo_or_helo_if_needed quit noop verify rset mail rcpt data docmd")

_AWS = "`aioboto3` (awaited) or `run_in_threadpool`"
_GCS = "`run_in_threadpool` (or `gcloud-aio-storage`)"
_THREAD = "`run_in_threadpool`"

SDK_CLIENTS: tuple[SdkClient, ...] = (
    # OpenAI (>= 1.0 clients, and the module-level client and resources of every version).
    SdkClient("openai.OpenAI", "`openai.AsyncOpenAI` (awaited)", _OPENAI_NAMESPACES, False, quiet=_OPENAI_QUIET),
    SdkClient("openai.AzureOpenAI", "`openai.AsyncAzureOpenAI` (awaited)", _OPENAI_NAMESPACES, False, quiet=_OPENAI_QUIET),
    SdkClient("openai", "`openai.AsyncOpenAI` (awaited)", _OPENAI_NAMESPACES, False, quiet=_OPENAI_QUIET),
    # Anthropic.
    SdkClient("anthropic.Anthropic", "`anthropic.AsyncAnthropic` (awaited)", _ANTHROPIC_NAMESPACES, False, quiet=_OPENAI_QUIET),
    SdkClient("anthropic.AnthropicBedrock", "`anthropic.AsyncAnthropicBedrock` (awaited)", _ANTHROPIC_NAMESPACES, False, quiet=_OPENAI_QUIET),
    SdkClient("anthropic.AnthropicVertex", "`anthropic.AsyncAnthropicVertex` (awaited)", _ANTHROPIC_NAMESPACES, False, quiet=_OPENAI_QUIET),
    # AWS: boto3 clients (``boto3.client``, ``Session().client``) and resources.
    SdkClient("botocore.client.BaseClient", _AWS, quiet=_BOTO3_QUIET),
    SdkClient(
        "boto3.resources.base.ServiceResource",
        _AWS,
        None,
        quiet=_BOTO3_QUIET | _words("all filter limit page_size get_available_subresources"),
    ),
    # Google Cloud: storage (``client.bucket``/``bucket.blob`` make no request), BigQuery,
    # Pub/Sub (``publish`` returns a future; its ``result()`` waits).
    SdkClient("google.cloud.storage.Client", _GCS, quiet=_words("bucket batch")),
    SdkClient("google.cloud.storage.Bucket", _GCS, quiet=_words("blob batch generate_signed_url copy")),
    SdkClient("google.cloud.storage.Blob", _GCS, quiet=_words("generate_signed_url")),
    SdkClient("google.cloud.bigquery.Client", _THREAD, quiet=_words("dataset")),
    SdkClient("google.cloud.bigquery.QueryJob", "`run_in_threadpool`", methods=_words("result to_dataframe to_arrow")),
    SdkClient(
        "google.cloud.pubsub_v1.PublisherClient",
        "`asyncio.wrap_future(future)` (awaited) or `run_in_threadpool`",
        quiet=_words("publish topic_path"),
    ),
    SdkClient("google.cloud.pubsub_v1.SubscriberClient", _THREAD, quiet=_words("subscribe subscription_path topic_path")),
    SdkClient(
        "google.cloud.pubsub_v1.publisher.futures.Future",
        "`asyncio.wrap_future(future)` (awaited)",
        methods=_words("result exception"),
    ),
    # Search engines.
    SdkClient("elasticsearch.Elasticsearch", "`elasticsearch.AsyncElasticsearch` (awaited)", _ES_NAMESPACES, quiet=_words("options close")),
    SdkClient("opensearchpy.OpenSearch", "`opensearchpy.AsyncOpenSearch` (awaited)", _ES_NAMESPACES, quiet=_words("options close")),
    # Payments and messaging.
    SdkClient(
        "stripe",
        "`{call}_async` (awaited) or `run_in_threadpool`",
        None,
        False,
        quiet=_words("construct_from construct_event verify_header"),
    ),
    SdkClient("stripe.StripeClient", "`{call}_async` (awaited) or `run_in_threadpool`", None, False),
    SdkClient("slack_sdk.WebClient", "`slack_sdk.web.async_client.AsyncWebClient` (awaited)"),
    SdkClient("slack_sdk.webhook.WebhookClient", "`slack_sdk.webhook.async_client.AsyncWebhookClient` (awaited)", methods=_words("send send_dict")),
    SdkClient("twilio.rest.Client", "`run_in_threadpool` (or twilio's `AsyncTwilioHttpClient` and the `_async` methods)", None, False, _TWILIO_VERBS),
    SdkClient("sendgrid.SendGridAPIClient", _THREAD, None, methods=_words("send get post put patch delete")),
    # Message brokers.
    SdkClient("kafka.KafkaProducer", "`aiokafka.AIOKafkaProducer` (awaited)", methods=_words("flush partitions_for close")),
    SdkClient("kafka.producer.future.FutureRecordMetadata", "`aiokafka.AIOKafkaProducer.send_and_wait` (awaited)", methods=_words("get")),
    SdkClient("kafka.KafkaConsumer", "`aiokafka.AIOKafkaConsumer` (awaited)", methods=_words("poll commit committed position topics")),
    SdkClient(
        "pika.BlockingConnection",
        "`aio_pika` (awaited)",
        methods=_words("channel close process_data_events sleep"),
    ),
    SdkClient(
        "pika.adapters.blocking_connection.BlockingChannel",
        "`aio_pika` (awaited)",
        methods=_words(
            "basic_publish basic_get basic_ack basic_nack basic_reject basic_qos basic_consume start_consuming "
            "queue_declare queue_bind queue_purge queue_delete exchange_declare exchange_bind confirm_delivery close"
        ),
    ),
    # Storage, secrets, directories, SSH, mail.
    SdkClient(
        "minio.Minio",
        "`run_in_threadpool` (or `miniopy-async`)",
        quiet=_words("presigned_get_object presigned_put_object get_presigned_url presigned_post_policy"),
    ),
    SdkClient("hvac.Client", _THREAD, _words("secrets auth sys kv"), quiet=_words("adapter")),
    SdkClient(
        "ldap3.Connection",
        _THREAD,
        methods=_words("bind rebind unbind open start_tls search add delete modify modify_dn compare extend"),
    ),
    SdkClient("paramiko.SSHClient", "`asyncssh` (awaited) or `run_in_threadpool`", methods=_words("connect exec_command open_sftp invoke_shell")),
    SdkClient("paramiko.SFTPClient", "`asyncssh` (awaited) or `run_in_threadpool`", methods=_words("get put open listdir stat remove rename mkdir rmdir getfo putfo")),
    SdkClient("smtplib.SMTP", "`aiosmtplib` (awaited) or `run_in_threadpool`", methods=_SMTP_METHODS),
    SdkClient("smtplib.SMTP_SSL", "`aiosmtplib` (awaited) or `run_in_threadpool`", methods=_SMTP_METHODS),
)

# Constructors that open a connection: ``"always"``, only when given an address
# (``"with-arguments"``: ``smtplib.SMTP()`` connects later), or when a keyword is true.
CONNECTING_CONSTRUCTORS: dict[str, str] = {
    "smtplib.SMTP": "with-arguments",
    "smtplib.SMTP_SSL": "with-arguments",
    "pika.BlockingConnection": "always",
    "kafka.KafkaProducer": "always",
    "kafka.KafkaConsumer": "always",
    "ldap3.Connection": "keyword:auto_bind",
}

SDK_BY_TYPE: dict[str, SdkClient] = {entry.type: entry for entry in SDK_CLIENTS}


def sdk_of(name: str) -> tuple[SdkClient, list[str]] | None:
    """The SDK whose type is the longest prefix of ``name``, and the path after it."""
    parts = name.split(".")
    for end in range(len(parts) - 1, 0, -1):
        entry = SDK_BY_TYPE.get(".".join(parts[:end]))
        if entry is not None:
            return entry, parts[end:]
    return None


def in_namespace(entry: SdkClient, path: list[str]) -> bool:
    """Whether ``path`` (the attributes after the SDK's type, the method excluded) stays in the SDK."""
    if not path:
        return True
    if any(part.startswith("_") for part in path):
        return False
    return entry.namespaces is None or path[0] in entry.namespaces


@lru_cache(maxsize=65536)
def blocking_sdk_call(name: str) -> SdkClient | None:
    """The SDK whose request ``name`` makes, or None (no SDK, or a call that makes no request)."""
    found = sdk_of(name)
    if found is None:
        return None
    entry, path = found
    *namespace, method = path
    if not in_namespace(entry, namespace) or method.startswith("_") or method[:1].isupper():
        return None
    if not namespace and not entry.direct:
        return None
    if method in entry.quiet or method.endswith("_async"):
        return None
    return entry if entry.methods is None or method in entry.methods else None


@lru_cache(maxsize=65536)
def chained_result(name: str) -> str | None:
    """What a call that makes no request returns when it stays in the SDK: ``s3.Bucket("b")``,
    ``es.options(...)``, ``client.services(sid)`` (twilio contexts)."""
    found = sdk_of(name)
    if found is None:
        return None
    entry, path = found
    *namespace, method = path
    if not in_namespace(entry, namespace) or method.startswith("_") or blocking_sdk_call(name) is not None:
        return None
    if method in entry.quiet:  # ``es.options(...)``, ``client.with_options(...)``: the same client
        return name.rpartition(".")[0]
    if method[:1].isupper() or (entry.methods is not None and entry.namespaces is None):
        return name
    return None


@lru_cache(maxsize=65536)
def attribute_result(receiver: str, attr: str) -> str | None:
    """``client.chat`` is ``openai.OpenAI.chat``: an attribute of an SDK object that leads to a namespace."""
    found = sdk_of(f"{receiver}.{attr}")
    if found is None:
        return None
    return f"{receiver}.{attr}" if in_namespace(*found) else None
