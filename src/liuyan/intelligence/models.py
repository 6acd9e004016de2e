"""What the intelligence app stores: the similar-message index (MinHash signatures, LSH band keys), the
hot topics' tokens and the home page's last topics, and the staff's corrections of suggestions."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from liuyan.intelligence.choices import CorrectionField


class SimilaritySignature(models.Model):
    """A message's MinHash signature over the character shingles of its text (intelligence/similarity.py)."""

    message = models.OneToOneField(
        "board.Message",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="similarity_signature",
        verbose_name="留言",
    )
    # NUM_PERM unsigned 32-bit minima, little-endian.
    signature = models.BinaryField("签名")
    # The parameters (shingles, permutations, bands) the signature was made with; another version is stale.
    version = models.PositiveSmallIntegerField("版本")
    indexed_at = models.DateTimeField("索引时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "相似留言签名"

    def __str__(self) -> str:
        return f"{self.message_id} v{self.version}"


class SimilarityBand(models.Model):
    """One LSH band of a message's signature: messages sharing a band key are candidates for each other.

    The key hashes the band's number together with its rows, so keys of different bands never collide
    and a lookup is one `key IN (…)` on one index, on SQLite and PostgreSQL alike.
    """

    message = models.ForeignKey(
        "board.Message", on_delete=models.CASCADE, related_name="+", verbose_name="留言"
    )
    band = models.PositiveSmallIntegerField("分段")
    key = models.BigIntegerField("键")

    class Meta:
        verbose_name = verbose_name_plural = "相似留言分段键"
        indexes = [models.Index(fields=["key", "message"], name="similarity_band_key")]
        constraints = [models.UniqueConstraint(fields=["message", "band"], name="similarity_band_once")]

    def __str__(self) -> str:
        return f"{self.message_id}:{self.band}"


class SimilarityTitleKey(models.Model):
    """A key of a message's title, or of a title-sized sentence of its body, with the words that vary
    between two wordings of one request (关于…的建议, 请求…) left out: messages sharing a key carry the same
    title, or one's title is a sentence of the other's body (intelligence/similarity.py)."""

    message = models.ForeignKey(
        "board.Message", on_delete=models.CASCADE, related_name="+", verbose_name="留言"
    )
    key = models.BigIntegerField("键")
    in_body = models.BooleanField("出自正文", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "相似留言标题键"
        indexes = [models.Index(fields=["key", "message"], name="similarity_title_key")]

    def __str__(self) -> str:
        return f"{self.message_id}:{'body' if self.in_body else 'title'}"


class TopicTokens(models.Model):
    """A message's hot-topic tokens (intelligence/hot_topics.py), kept so that a period's topics need not
    segment every message again: jieba is most of the time of a computation. `digest` fingerprints the
    text the tokens came from and the tokenizer's version; a row whose digest differs is recomputed."""

    message = models.OneToOneField(
        "board.Message",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="topic_tokens",
        verbose_name="留言",
    )
    digest = models.CharField("文本指纹", max_length=32)
    title_tokens = models.TextField("标题词", blank=True)
    body_tokens = models.TextField("正文词", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "热点话题分词"

    def __str__(self) -> str:
        return str(self.message_id)


class TopicSnapshot(models.Model):
    """The home page's hot topics as `run_periodic` last computed them (intelligence/hot_topics.py): the
    cache holds them too, but a flushed or restarted cache must not leave the home page without topics, or
    send each page view to ask a worker for seconds of clustering, until the next computation."""

    key = models.CharField("键", max_length=80, primary_key=True)
    computed_at = models.DateTimeField("计算时间", default=timezone.now)
    topics = models.JSONField("话题")

    class Meta:
        verbose_name = verbose_name_plural = "热点话题快照"

    def __str__(self) -> str:
        return f"{self.key} {self.computed_at:%Y-%m-%d %H:%M}"


class Correction(models.Model):
    """Staff changing what the system suggested or the citizen chose for a message: its domain or type
    (修改领域或类型), or the unit it is assigned to other than the first routing suggestion (交办).
    Retraining (`train_classifier --from-history`) learns the domains, types and kinds of units from them."""

    message = models.ForeignKey(
        "board.Message", on_delete=models.CASCADE, related_name="corrections", verbose_name="留言"
    )
    field = models.CharField("更正项", max_length=10, choices=CorrectionField.choices)
    # Domain and type: the root domain's name and the type's code, as the classifiers label them; unit:
    # the unit's name.
    suggested = models.CharField("原值", max_length=100, blank=True)
    chosen = models.CharField("更正为", max_length=100)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name="更正人",
    )
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "人工更正"
        indexes = [models.Index(fields=["field", "message"], name="correction_field_message")]

    def __str__(self) -> str:
        return f"{self.message_id} {self.field}: {self.suggested} → {self.chosen}"
