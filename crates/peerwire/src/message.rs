//! Length-prefixed peer messages (BEP 3), the fast extension (BEP 6) and the BEP 10
//! envelope.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::{Error, Result};

/// A block of a piece: `length` bytes at `begin` within piece `index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlockRef {
    pub index: u32,
    pub begin: u32,
    pub length: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    KeepAlive,
    Choke,
    Unchoke,
    Interested,
    NotInterested,
    Have(u32),
    Bitfield(Bytes),
    Request(BlockRef),
    Piece {
        index: u32,
        begin: u32,
        block: Bytes,
    },
    Cancel(BlockRef),
    /// BEP 5: the sender's DHT port.
    Port(u16),
    /// BEP 6.
    Suggest(u32),
    HaveAll,
    HaveNone,
    Reject(BlockRef),
    AllowedFast(u32),
    /// BEP 10: id 0 is the extended handshake; others are what the receiver's `m` named.
    Extended {
        id: u8,
        payload: Bytes,
    },
    /// A message id we do not know; kept whole so it can be forwarded untouched.
    Unknown {
        id: u8,
        payload: Bytes,
    },
}

mod id {
    pub const CHOKE: u8 = 0;
    pub const UNCHOKE: u8 = 1;
    pub const INTERESTED: u8 = 2;
    pub const NOT_INTERESTED: u8 = 3;
    pub const HAVE: u8 = 4;
    pub const BITFIELD: u8 = 5;
    pub const REQUEST: u8 = 6;
    pub const PIECE: u8 = 7;
    pub const CANCEL: u8 = 8;
    pub const PORT: u8 = 9;
    pub const SUGGEST: u8 = 0x0d;
    pub const HAVE_ALL: u8 = 0x0e;
    pub const HAVE_NONE: u8 = 0x0f;
    pub const REJECT: u8 = 0x10;
    pub const ALLOWED_FAST: u8 = 0x11;
    pub const EXTENDED: u8 = 20;
}

/// Decodes messages from a growing buffer. Stateless apart from its limit, so one
/// decoder per direction per connection costs nothing.
#[derive(Debug, Clone, Copy)]
pub struct Decoder {
    max_len: u32,
}

impl Default for Decoder {
    /// 1 MiB + 9: a 16 KiB block is the norm, but some clients send bitfields or
    /// extended messages of several hundred KiB for torrents with millions of pieces.
    fn default() -> Self {
        Self::new((1 << 20) + 9)
    }
}

impl Decoder {
    pub fn new(max_len: u32) -> Self {
        Self { max_len }
    }

    /// The byte length of the first whole frame in `buf` (4-byte prefix included), or
    /// `None` if it has not all arrived. Lets a forwarder pass frames on without decoding.
    pub fn frame_len(&self, buf: &[u8]) -> Result<Option<usize>> {
        if buf.len() < 4 {
            return Ok(None);
        }
        let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
        if len > self.max_len {
            return Err(Error::TooLong { len, max: self.max_len });
        }
        let total = 4 + len as usize;
        Ok((buf.len() >= total).then_some(total))
    }

    /// Takes the first whole message off the front of `buf`, if there is one. Payloads
    /// share `buf`'s memory instead of being copied.
    pub fn decode(&self, buf: &mut BytesMut) -> Result<Option<Message>> {
        let Some(total) = self.frame_len(buf)? else { return Ok(None) };
        let mut frame = buf.split_to(total).freeze();
        frame.advance(4);
        parse(frame).map(Some)
    }
}

fn parse(mut body: Bytes) -> Result<Message> {
    if body.is_empty() {
        return Ok(Message::KeepAlive);
    }
    let id = body.get_u8();
    let len = body.len() as u32;
    let exact = |expected: u32| {
        if len == expected {
            Ok(())
        } else {
            Err(Error::BadLength { id, expected: expected + 1, actual: len + 1 })
        }
    };
    let block = |b: &mut Bytes| BlockRef { index: b.get_u32(), begin: b.get_u32(), length: b.get_u32() };
    Ok(match id {
        id::CHOKE => exact(0).map(|_| Message::Choke)?,
        id::UNCHOKE => exact(0).map(|_| Message::Unchoke)?,
        id::INTERESTED => exact(0).map(|_| Message::Interested)?,
        id::NOT_INTERESTED => exact(0).map(|_| Message::NotInterested)?,
        id::HAVE_ALL => exact(0).map(|_| Message::HaveAll)?,
        id::HAVE_NONE => exact(0).map(|_| Message::HaveNone)?,
        id::HAVE => {
            exact(4)?;
            Message::Have(body.get_u32())
        }
        id::SUGGEST => {
            exact(4)?;
            Message::Suggest(body.get_u32())
        }
        id::ALLOWED_FAST => {
            exact(4)?;
            Message::AllowedFast(body.get_u32())
        }
        id::PORT => {
            exact(2)?;
            Message::Port(body.get_u16())
        }
        id::REQUEST => {
            exact(12)?;
            Message::Request(block(&mut body))
        }
        id::CANCEL => {
            exact(12)?;
            Message::Cancel(block(&mut body))
        }
        id::REJECT => {
            exact(12)?;
            Message::Reject(block(&mut body))
        }
        id::BITFIELD => Message::Bitfield(body),
        id::PIECE => {
            if len < 8 {
                return Err(Error::BadLength { id, expected: 9, actual: len + 1 });
            }
            let (index, begin) = (body.get_u32(), body.get_u32());
            Message::Piece { index, begin, block: body }
        }
        id::EXTENDED => {
            if len < 1 {
                return Err(Error::BadLength { id, expected: 2, actual: len + 1 });
            }
            let ext = body.get_u8();
            Message::Extended { id: ext, payload: body }
        }
        other => Message::Unknown { id: other, payload: body },
    })
}

/// Appends `message`, length prefix included, to `out`.
pub fn encode(message: &Message, out: &mut BytesMut) {
    let simple = |out: &mut BytesMut, id: u8| {
        out.put_u32(1);
        out.put_u8(id);
    };
    let with_u32 = |out: &mut BytesMut, id: u8, v: u32| {
        out.put_u32(5);
        out.put_u8(id);
        out.put_u32(v);
    };
    let with_block = |out: &mut BytesMut, id: u8, b: &BlockRef| {
        out.put_u32(13);
        out.put_u8(id);
        out.put_u32(b.index);
        out.put_u32(b.begin);
        out.put_u32(b.length);
    };
    match message {
        Message::KeepAlive => out.put_u32(0),
        Message::Choke => simple(out, id::CHOKE),
        Message::Unchoke => simple(out, id::UNCHOKE),
        Message::Interested => simple(out, id::INTERESTED),
        Message::NotInterested => simple(out, id::NOT_INTERESTED),
        Message::HaveAll => simple(out, id::HAVE_ALL),
        Message::HaveNone => simple(out, id::HAVE_NONE),
        Message::Have(i) => with_u32(out, id::HAVE, *i),
        Message::Suggest(i) => with_u32(out, id::SUGGEST, *i),
        Message::AllowedFast(i) => with_u32(out, id::ALLOWED_FAST, *i),
        Message::Port(p) => {
            out.put_u32(3);
            out.put_u8(id::PORT);
            out.put_u16(*p);
        }
        Message::Request(b) => with_block(out, id::REQUEST, b),
        Message::Cancel(b) => with_block(out, id::CANCEL, b),
        Message::Reject(b) => with_block(out, id::REJECT, b),
        Message::Bitfield(bits) => {
            out.put_u32(1 + bits.len() as u32);
            out.put_u8(id::BITFIELD);
            out.put_slice(bits);
        }
        Message::Piece { index, begin, block } => {
            out.put_u32(9 + block.len() as u32);
            out.put_u8(id::PIECE);
            out.put_u32(*index);
            out.put_u32(*begin);
            out.put_slice(block);
        }
        Message::Extended { id: ext, payload } => {
            out.put_u32(2 + payload.len() as u32);
            out.put_u8(id::EXTENDED);
            out.put_u8(*ext);
            out.put_slice(payload);
        }
        Message::Unknown { id, payload } => {
            out.put_u32(1 + payload.len() as u32);
            out.put_u8(*id);
            out.put_slice(payload);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_kinds() -> Vec<Message> {
        let b = BlockRef { index: 7, begin: 16384, length: 16384 };
        vec![
            Message::KeepAlive,
            Message::Choke,
            Message::Unchoke,
            Message::Interested,
            Message::NotInterested,
            Message::Have(u32::MAX),
            Message::Bitfield(Bytes::from_static(&[0xff, 0x80])),
            Message::Request(b),
            Message::Piece { index: 1, begin: 2, block: Bytes::from(vec![9u8; 16384]) },
            Message::Cancel(b),
            Message::Port(6881),
            Message::Suggest(3),
            Message::HaveAll,
            Message::HaveNone,
            Message::Reject(b),
            Message::AllowedFast(4),
            Message::Extended { id: 0, payload: Bytes::from_static(b"d1:md6:ut_pexi1eee") },
            Message::Unknown { id: 99, payload: Bytes::from_static(b"xyz") },
        ]
    }

    #[test]
    fn every_message_round_trips_alone_and_back_to_back() {
        let decoder = Decoder::default();
        let mut stream = BytesMut::new();
        for m in all_kinds() {
            let mut one = BytesMut::new();
            encode(&m, &mut one);
            stream.extend_from_slice(&one);
            assert_eq!(decoder.decode(&mut one).unwrap(), Some(m.clone()));
            assert!(one.is_empty());
        }
        for m in all_kinds() {
            assert_eq!(decoder.decode(&mut stream).unwrap(), Some(m));
        }
        assert_eq!(decoder.decode(&mut stream).unwrap(), None);
    }

    #[test]
    fn byte_fixtures_from_the_spec_decode() {
        let d = Decoder::default();
        let mut have = BytesMut::from(&[0, 0, 0, 5, 4, 0, 0, 1, 0][..]);
        assert_eq!(d.decode(&mut have).unwrap(), Some(Message::Have(256)));
        let mut request = BytesMut::from(&[0, 0, 0, 13, 6, 0, 0, 0, 1, 0, 0, 0x40, 0, 0, 0, 0x40, 0][..]);
        assert_eq!(
            d.decode(&mut request).unwrap(),
            Some(Message::Request(BlockRef { index: 1, begin: 16384, length: 16384 }))
        );
        let mut keepalive = BytesMut::from(&[0, 0, 0, 0][..]);
        assert_eq!(d.decode(&mut keepalive).unwrap(), Some(Message::KeepAlive));
    }

    #[test]
    fn a_message_arriving_one_byte_at_a_time_decodes_once_whole() {
        let d = Decoder::default();
        let mut encoded = BytesMut::new();
        encode(&Message::Piece { index: 3, begin: 0, block: Bytes::from_static(b"hello") }, &mut encoded);
        let mut buf = BytesMut::new();
        for (i, byte) in encoded.iter().enumerate() {
            buf.put_u8(*byte);
            let got = d.decode(&mut buf).unwrap();
            assert_eq!(got.is_some(), i == encoded.len() - 1, "at byte {i}");
        }
    }

    #[test]
    fn a_4_gib_length_prefix_is_refused_before_buffering() {
        let d = Decoder::default();
        let mut buf = BytesMut::from(&[0xff, 0xff, 0xff, 0xff, 7][..]);
        assert!(matches!(d.decode(&mut buf), Err(Error::TooLong { len: u32::MAX, .. })));
    }

    #[test]
    fn fixed_size_messages_with_the_wrong_size_are_errors() {
        let d = Decoder::default();
        for bytes in [
            &[0, 0, 0, 2, 0, 0][..],
            &[0, 0, 0, 4, 4, 0, 0, 0],
            &[0, 0, 0, 5, 6, 0, 0, 0, 0],
            &[0, 0, 0, 1, 20],
        ] {
            let mut buf = BytesMut::from(bytes);
            assert!(matches!(d.decode(&mut buf), Err(Error::BadLength { .. })), "{bytes:?}");
        }
    }

    #[test]
    fn frame_len_lets_a_forwarder_skip_decoding() {
        let d = Decoder::default();
        let mut buf = BytesMut::new();
        encode(&Message::Have(1), &mut buf);
        encode(&Message::Unchoke, &mut buf);
        assert_eq!(d.frame_len(&buf).unwrap(), Some(9));
        assert_eq!(d.frame_len(&buf[..8]).unwrap(), None);
    }
}
