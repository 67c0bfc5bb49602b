// A small, strict reader for the XML that STS answers (the awsQuery protocol: one root element, nested
// elements, text). It reads bytes, not a string, and decodes only the text of the elements the caller asks
// for: the credentials in a success answer are checked for presence and never become JavaScript strings.
import { isUtf8 } from "node:buffer";

/** Why a body is not the XML this reader accepts, with the byte offset where it stopped. */
export class XmlError extends Error {
    public readonly offset: number;

    constructor(reason: string, offset: number) {
        super(`${reason} (at byte ${offset})`);
        this.name = "XmlError";
        this.offset = offset;
    }
}

export interface PickedXml {
    /** The root element's name. */
    root: string;
    /** Decoded text of each wanted element path ("Root/Child/Leaf") that is present. */
    texts: Map<string, string>;
    /** Every element path present (wanted or not). */
    present: Set<string>;
}

/** STS answers are four levels deep; anything far deeper is not an STS answer. */
export const MAX_XML_DEPTH = 16;

const LT = 0x3c;
const GT = 0x3e;
const AMP = 0x26;
const SLASH = 0x2f;
const QUOTE = 0x22;
const APOS = 0x27;

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
const isNameStart = (b: number) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f;
const isNameChar = (b: number) => isNameStart(b) || (b >= 0x30 && b <= 0x39) || b === 0x2e || b === 0x2d || b === 0x3a;
const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** XML 1.0's Char production: a code point a character reference may name. */
function isXmlChar(cp: number): boolean {
    return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

interface Open {
    name: string;
    path: string;
    start: number;
    wanted: boolean;
    hasChildren: boolean;
    hasText: boolean;
    pieces: string[];
}

/**
 * Reads `body` as XML 1.0 without DTDs: an optional BOM and XML declaration, comments, one root element,
 * attributes (checked, not kept), text with the five predefined entities and character references, CDATA.
 * Refused: DOCTYPE (so no entity can expand), processing instructions, mixed content, a wanted element
 * repeated or holding elements, control characters, bytes that are not UTF-8, nesting past MAX_XML_DEPTH.
 */
export function pickXml(body: Uint8Array, wanted: ReadonlySet<string>, maxDepth = MAX_XML_DEPTH): PickedXml {
    if (!isUtf8(body)) {
        throw new XmlError("the body is not UTF-8", 0);
    }
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const texts = new Map<string, string>();
    const present = new Set<string>();
    const stack: Open[] = [];
    let root: string | undefined;
    let rootClosed = false;
    let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;

    const at = (s: string, from = i) => from + s.length <= bytes.length && bytes.toString("latin1", from, from + s.length) === s;
    const find = (s: string, from: number) => bytes.indexOf(s, from, "latin1");

    /** Checks text (or an attribute value) and, when `build`, decodes it. */
    const scanText = (start: number, end: number, build: boolean, cdata: boolean): string | undefined => {
        const parts: string[] = [];
        let run = start;
        for (let p = start; p < end; p++) {
            const b = bytes[p];
            if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) {
                throw new XmlError(`control character 0x${b.toString(16).padStart(2, "0")} in text`, p);
            }
            if (cdata) {
                continue;
            }
            if (b === GT && p >= start + 2 && bytes[p - 1] === 0x5d && bytes[p - 2] === 0x5d) {
                throw new XmlError("]]> outside a CDATA section", p - 2);
            }
            if (b !== AMP) {
                continue;
            }
            const semi = bytes.indexOf(0x3b, p);
            if (semi === -1 || semi >= end || semi - p > 12) {
                throw new XmlError("an & that does not start an entity or character reference", p);
            }
            const ref = bytes.toString("latin1", p + 1, semi);
            let char: string | undefined = ENTITIES[ref];
            if (char === undefined) {
                const m = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(ref);
                const cp = m ? parseInt(m[1] ?? m[2], m[1] ? 16 : 10) : NaN;
                if (!isXmlChar(cp)) {
                    throw new XmlError(`&${ref}; is not a predefined entity or a reference to an XML character`, p);
                }
                char = String.fromCodePoint(cp);
            }
            if (build) {
                parts.push(bytes.toString("utf8", run, p), char);
            }
            run = semi + 1;
            p = semi;
        }
        return build ? parts.join("") + bytes.toString("utf8", run, end) : undefined;
    };

    const addText = (start: number, end: number, cdata: boolean) => {
        const top = stack[stack.length - 1];
        let blank = !cdata;
        for (let p = start; p < end && blank; p++) {
            blank = isSpace(bytes[p]);
        }
        if (!top) {
            if (!blank) {
                throw new XmlError(rootClosed ? "text after the root element" : "text before the root element", start);
            }
            return;
        }
        if (!blank) {
            if (top.hasChildren) {
                throw new XmlError(`<${top.name}> mixes text and elements`, start);
            }
            top.hasText = true;
        }
        const text = scanText(start, end, top.wanted, cdata);
        if (text !== undefined) {
            top.pieces.push(text);
        }
    };

    const readName = (what: string): string => {
        const start = i;
        if (!isNameStart(bytes[i] ?? 0)) {
            throw new XmlError(`a ${what} must start with a letter or _`, i);
        }
        while (i < bytes.length && isNameChar(bytes[i])) {
            i++;
        }
        if (i - start > 128) {
            throw new XmlError(`a ${what} longer than 128 characters`, start);
        }
        return bytes.toString("latin1", start, i);
    };

    const skipSpace = () => {
        const start = i;
        while (i < bytes.length && isSpace(bytes[i])) {
            i++;
        }
        return i > start;
    };

    const openElement = (name: string, start: number): Open => {
        const parent = stack[stack.length - 1];
        if (!parent) {
            if (rootClosed) {
                throw new XmlError(`a second root element <${name}>`, start);
            }
            root = name;
        } else {
            if (parent.hasText) {
                throw new XmlError(`<${parent.name}> mixes text and elements`, start);
            }
            if (parent.wanted) {
                throw new XmlError(`<${parent.name}> holds an element; a text value was expected`, start);
            }
            parent.hasChildren = true;
        }
        if (stack.length >= maxDepth) {
            throw new XmlError(`elements nested deeper than ${maxDepth}`, start);
        }
        const path = parent ? `${parent.path}/${name}` : name;
        const isWanted = wanted.has(path);
        if (isWanted && present.has(path)) {
            throw new XmlError(`<${name}> appears twice at ${path}`, start);
        }
        present.add(path);
        const open: Open = { name, path, start, wanted: isWanted, hasChildren: false, hasText: false, pieces: [] };
        stack.push(open);
        return open;
    };

    const closeElement = () => {
        const open = stack.pop()!;
        if (open.wanted) {
            texts.set(open.path, open.pieces.join(""));
        }
        if (stack.length === 0) {
            rootClosed = true;
        }
    };

    const startTag = () => {
        const start = i;
        i++;
        const name = readName("element name");
        const attributes = new Set<string>();
        for (;;) {
            const spaced = skipSpace();
            if (bytes[i] === GT) {
                i++;
                openElement(name, start);
                return;
            }
            if (bytes[i] === SLASH && bytes[i + 1] === GT) {
                i += 2;
                openElement(name, start);
                closeElement();
                return;
            }
            if (i >= bytes.length) {
                throw new XmlError(`the document ends inside <${name}`, start);
            }
            if (!spaced) {
                throw new XmlError(`<${name}: attributes must be separated by white space`, i);
            }
            const attrAt = i;
            const attr = readName("attribute name");
            if (attributes.has(attr)) {
                throw new XmlError(`<${name}> has the attribute ${attr} twice`, attrAt);
            }
            attributes.add(attr);
            skipSpace();
            if (bytes[i] !== 0x3d) {
                throw new XmlError(`the attribute ${attr} of <${name}> has no =`, i);
            }
            i++;
            skipSpace();
            const quote = bytes[i];
            if (quote !== QUOTE && quote !== APOS) {
                throw new XmlError(`the value of ${attr} is not quoted`, i);
            }
            const close = bytes.indexOf(quote, i + 1);
            if (close === -1) {
                throw new XmlError(`the value of ${attr} is not closed`, i);
            }
            const lt = bytes.indexOf(LT, i + 1);
            if (lt !== -1 && lt < close) {
                throw new XmlError(`< inside the value of ${attr}`, lt);
            }
            scanText(i + 1, close, false, false);
            i = close + 1;
        }
    };

    const endTag = () => {
        const start = i;
        i += 2;
        const name = readName("element name");
        skipSpace();
        if (bytes[i] !== GT) {
            throw new XmlError(`</${name} is not closed with >`, i);
        }
        i++;
        const top = stack[stack.length - 1];
        if (!top) {
            throw new XmlError(`</${name}> closes no element`, start);
        }
        if (top.name !== name) {
            throw new XmlError(`</${name}> closes <${top.name}>`, start);
        }
        closeElement();
    };

    if (at("<?xml") && isSpace(bytes[i + 5] ?? 0)) {
        const end = find("?>", i);
        if (end === -1) {
            throw new XmlError("the XML declaration is not closed", i);
        }
        for (let p = i; p < end; p++) {
            if (bytes[p] < 0x20 && !isSpace(bytes[p])) {
                throw new XmlError("control character in the XML declaration", p);
            }
        }
        i = end + 2;
    }
    while (i < bytes.length) {
        if (bytes[i] !== LT) {
            const next = bytes.indexOf(LT, i);
            const end = next === -1 ? bytes.length : next;
            addText(i, end, false);
            i = end;
        } else if (at("<!--")) {
            const end = find("-->", i + 4);
            const dashes = find("--", i + 4);
            if (end === -1) {
                throw new XmlError("a comment is not closed", i);
            }
            if (dashes < end) {
                throw new XmlError("-- inside a comment", dashes);
            }
            scanText(i + 4, end, false, true);
            i = end + 3;
        } else if (at("<![CDATA[")) {
            if (stack.length === 0) {
                throw new XmlError("CDATA outside the root element", i);
            }
            const end = find("]]>", i + 9);
            if (end === -1) {
                throw new XmlError("a CDATA section is not closed", i);
            }
            addText(i + 9, end, true);
            i = end + 3;
        } else if (at("<!")) {
            throw new XmlError("DOCTYPE and other declarations are refused", i);
        } else if (at("<?")) {
            throw new XmlError("processing instructions are refused", i);
        } else if (bytes[i + 1] === SLASH) {
            endTag();
        } else {
            startTag();
        }
    }
    if (stack.length > 0) {
        throw new XmlError(`the document ends inside <${stack[stack.length - 1].name}>`, bytes.length);
    }
    if (root === undefined) {
        throw new XmlError("no root element", bytes.length);
    }
    return { root, texts, present };
}
