"""PDFs that are costly to read, small on the wire (the tests and the production smoke
test send them). Plain Python: nothing here imports Django."""

import zlib


def _pdf(pages: list[bytes]) -> bytes:
    """A PDF whose pages have these (already deflated) content streams."""
    count = len(pages)
    kids = b" ".join(b"%d 0 R" % (3 + 2 * index) for index in range(count))
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[" + kids + b"]/Count %d>>" % count,
    ]
    for index, stream in enumerate(pages):
        objects.append(
            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents %d 0 R>>" % (4 + 2 * index)
        )
        objects.append(
            b"<</Length %d/Filter/FlateDecode>>stream\n" % len(stream) + stream + b"\nendstream"
        )
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def inflating_pdf(megabytes_inflated: int) -> bytes:
    """One page whose content stream inflates to `megabytes_inflated` MB: a line drawn
    over and over (a few hundred kB on the wire for 600 MB)."""
    line = b"0 0 m 595 842 l S\n" * 58_000  # about 1 MB
    packer = zlib.compressobj(9)
    stream = b"".join(packer.compress(line) for _ in range(megabytes_inflated))
    return _pdf([stream + packer.flush()])


def busy_pdf(pages: int = 10, operators: int = 100_000) -> bytes:
    """`pages` pages of `operators` drawing operators each (short lines across the page)."""
    strokes = b"".join(
        b"%d %d m %d %d l S\n" % (i % 595, (i * 7) % 842, (i * 13) % 595, (i * 3) % 842)
        for i in range(operators // 3)
    )
    return _pdf([zlib.compress(strokes, 9) for _ in range(pages)])
