"""Personal data on the roster: 身份证号 and 联系电话 checked, encrypted at rest, hashed, masked.

The key comes from ``COCREATE_PII_KEY`` (32 random bytes, urlsafe base64; make one with
``cocreate roster keygen``). From it two sub-keys are derived (HKDF): one encrypts (AES-256-GCM,
``cryptography``'s AEAD, one cipher object for the process: a county roster encrypts 300,000
numbers), one hashes (HMAC-SHA256) so the same person is found again without decrypting anything.
Numbers stored earlier as Fernet tokens still decrypt.
When ``COCREATE_ENV=production`` a missing key stops the service at start-up; elsewhere (make
run, tests) a key is generated once into DATA_DIR/pii.key, readable by its owner only.
Numbers never travel in events, logs or the board: only their masked form is shown.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from datetime import date
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_VARIABLE = "COCREATE_PII_KEY"
KEY_FILE = "pii.key"
_AEAD = "g1:"  # prefix of an AES-GCM token (base64 of 12-byte nonce + ciphertext + tag)

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"


class MissingKey(RuntimeError):
    """No personal-data key in production."""


# -- checking ---------------------------------------------------------------------------------

def clean(text: str) -> str:
    """Full-width digits and letters to half-width, spaces and dashes out, x upper-cased."""
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"[\s\-‐—'’]", "", text).upper()


def id_number_problem(number: str, today: date | None = None) -> str | None:
    """What is wrong with a cleaned 18-character 居民身份证号 (GB 11643-1999), or None."""
    if len(number) != 18:
        if len(number) == 15 and number.isdigit():
            return "是15位旧身份证号，请换成18位号码"
        return f"应为18位，现为{len(number)}位"
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return "前17位应为数字，最后一位为数字或X"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "第7–14位的出生日期不是有效日期（年、月或日不对）"
    today = today or date.today()
    if born > today or born.year < 1900:
        return "第7–14位的出生日期不合理（在将来或早于1900年）"
    expected = _CHECK[sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS)) % 11]
    if number[17] != expected:
        return "校验位不对（最后一位应为 %s），多半是某一位抄错了，请对照身份证核对" % expected
    return None


def sex_of_id(number: str) -> str:
    """The 17th digit: odd for men, even for women."""
    return "male" if int(number[16]) % 2 else "female"


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")


def clean_phone(text: str) -> str:
    text = clean(text)
    text = re.sub(r"[()（）]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    return text


def phone_problem(number: str) -> str | None:
    if _MOBILE.match(number) or _LANDLINE.match(number):
        return None
    if number.isdigit() and len(number) in (7, 8):
        return "座机号请加区号（如 0710-1234567）"
    return "应为11位手机号（1开头）或带区号的座机号"


def mask_id(number: str) -> str:
    return number[:3] + "*" * (len(number) - 7) + number[-4:] if len(number) > 7 else "*" * len(number)


def mask_phone(number: str) -> str:
    return number[:3] + "*" * (len(number) - 7) + number[-4:] if len(number) > 7 else "*" * len(number)


# -- keys, encryption and hashing ----------------------------------------------------------

def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"cocreate-pii", info=purpose).derive(master)


class Vault:
    """Encrypts, decrypts and hashes personal numbers with keys derived from one master key."""

    def __init__(self, key: str | bytes):
        key = key.encode() if isinstance(key, str) else key
        try:
            master = base64.urlsafe_b64decode(key)
        except (ValueError, TypeError):
            master = b""
        if len(master) != 32:
            raise MissingKey(f"{KEY_VARIABLE} 不是有效的密钥：应为 32 字节的 urlsafe base64"
                             "（用 `cocreate roster keygen` 生成）")
        secret = _derive(master, b"encrypt")
        self._aead = AESGCM(secret)
        self._fernet = Fernet(base64.urlsafe_b64encode(secret))  # tokens stored before AES-GCM
        self._mac = _derive(master, b"lookup-hash")

    def encrypt(self, text: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, text.encode(), _AEAD.encode())
        return _AEAD + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, token: str) -> str:
        try:
            if token.startswith(_AEAD):
                raw = base64.urlsafe_b64decode(token[len(_AEAD):])
                return self._aead.decrypt(raw[:12], raw[12:], _AEAD.encode()).decode()
            return self._fernet.decrypt(token.encode()).decode()
        except (InvalidToken, InvalidTag, ValueError):
            raise MissingKey("个人信息无法解密：密钥与加密时的不同") from None

    def digest(self, kind: str, text: str) -> str:
        """A keyed hash (HMAC-SHA256, hex) to find a number again; ``kind`` keeps kinds apart."""
        return hmac.new(self._mac, f"{kind}:{text}".encode(), hashlib.sha256).hexdigest()


def generate_key() -> str:
    return Fernet.generate_key().decode()


def load_key(data_dir: Path | None = None, environ=None) -> str:
    """The master key: from the environment; else (outside production) the data dir's key file."""
    env = os.environ if environ is None else environ
    key = (env.get(KEY_VARIABLE) or "").strip()
    if key:
        return key
    if (env.get("COCREATE_ENV") or "").lower() in ("production", "prod"):
        raise MissingKey(f"生产环境必须设置 {KEY_VARIABLE}（身份证号、电话的加密密钥）："
                         "用 `cocreate roster keygen` 生成，放在密钥管理处，不要放进代码库")
    if data_dir is None:
        from services.kernel import config as kconfig
        data_dir = kconfig.data_dir(kconfig.load())
    path = Path(data_dir) / KEY_FILE
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = generate_key()
    # created owner-only from the start: the key never sits readable by others, even briefly
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


@lru_cache(maxsize=4)
def _vault(key: str) -> Vault:
    return Vault(key)


def vault(data_dir: Path | None = None, environ=None) -> Vault:
    return _vault(load_key(data_dir, environ))
