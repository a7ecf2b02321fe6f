//! A read-only reader of a work tree's git object store (loose objects and packs with their
//! deltas, refs and packed-refs, alternates, linked work trees), so the action's image needs no
//! git CLI to read the checked-out workspace's base-branch files. SHA-1 repositories only; a
//! repository it cannot read is an error, and the callers fall back to the contents API.

use anyhow::{anyhow, bail, Context as _, Result};
use flate2::read::ZlibDecoder;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// A 20-byte SHA-1 object id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Oid([u8; 20]);

impl Oid {
    pub fn from_hex(hex: &str) -> Option<Oid> {
        let hex = hex.as_bytes();
        if hex.len() != 40 {
            return None;
        }
        let mut id = [0u8; 20];
        for (i, pair) in hex.chunks(2).enumerate() {
            let s = std::str::from_utf8(pair).ok()?;
            id[i] = u8::from_str_radix(s, 16).ok()?;
        }
        Some(Oid(id))
    }

    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Commit,
    Tree,
    Blob,
    Tag,
}

impl Kind {
    fn from_name(name: &[u8]) -> Option<Kind> {
        Some(match name {
            b"commit" => Kind::Commit,
            b"tree" => Kind::Tree,
            b"blob" => Kind::Blob,
            b"tag" => Kind::Tag,
            _ => return None,
        })
    }

    fn from_pack(code: u8) -> Option<Kind> {
        Some(match code {
            1 => Kind::Commit,
            2 => Kind::Tree,
            3 => Kind::Blob,
            4 => Kind::Tag,
            _ => return None,
        })
    }
}

type Object = (Kind, Arc<Vec<u8>>);

/// One pack: its index read into memory, the pack file opened on demand.
#[derive(Debug)]
struct Pack {
    pack: PathBuf,
    idx: Vec<u8>,
    count: usize,
}

impl Pack {
    fn open(idx_path: &Path) -> Result<Pack> {
        let idx = std::fs::read(idx_path).with_context(|| format!("{}", idx_path.display()))?;
        if idx.len() < 8 + 256 * 4 || idx[..4] != [0xff, b't', b'O', b'c'] || be32(&idx[4..]) != 2 {
            bail!("{}: not a version 2 pack index", idx_path.display());
        }
        let count = be32(&idx[8 + 255 * 4..]) as usize;
        if idx.len() < 8 + 256 * 4 + count * 28 {
            bail!("{}: truncated pack index", idx_path.display());
        }
        Ok(Pack {
            pack: idx_path.with_extension("pack"),
            idx,
            count,
        })
    }

    /// The pack offset of `oid`, by binary search in its fan-out bucket.
    fn find(&self, oid: &Oid) -> Option<u64> {
        let fanout = |i: usize| be32(&self.idx[8 + i * 4..]) as usize;
        let first = oid.0[0] as usize;
        let mut lo = if first == 0 { 0 } else { fanout(first - 1) };
        let mut hi = fanout(first);
        let ids = 8 + 256 * 4;
        while lo < hi {
            let mid = (lo + hi) / 2;
            let id = &self.idx[ids + mid * 20..ids + mid * 20 + 20];
            match id.cmp(&oid.0[..]) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    let offsets = ids + self.count * 24;
                    let small = be32(&self.idx[offsets + mid * 4..]);
                    if small & 0x8000_0000 == 0 {
                        return Some(u64::from(small));
                    }
                    let large = offsets + self.count * 4 + (small & 0x7fff_ffff) as usize * 8;
                    let bytes = self.idx.get(large..large + 8)?;
                    return Some(u64::from_be_bytes(bytes.try_into().ok()?));
                }
            }
        }
        None
    }
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// What one pack entry holds before its delta, if any, is applied.
enum Entry {
    Whole(Kind, Vec<u8>),
    OfsDelta(u64, Vec<u8>),
    RefDelta(Oid, Vec<u8>),
}

/// Reads the entry at `offset`: its header, then its zlib stream of the announced size.
fn read_entry(file: &mut BufReader<File>, offset: u64) -> Result<Entry> {
    file.seek(SeekFrom::Start(offset))?;
    let mut byte = [0u8; 1];
    file.read_exact(&mut byte)?;
    let code = (byte[0] >> 4) & 7;
    let mut size = u64::from(byte[0] & 0x0f);
    let mut shift = 4;
    while byte[0] & 0x80 != 0 {
        file.read_exact(&mut byte)?;
        size |= u64::from(byte[0] & 0x7f) << shift;
        shift += 7;
    }
    let entry = match code {
        6 => {
            file.read_exact(&mut byte)?;
            let mut back = u64::from(byte[0] & 0x7f);
            while byte[0] & 0x80 != 0 {
                file.read_exact(&mut byte)?;
                back = ((back + 1) << 7) | u64::from(byte[0] & 0x7f);
            }
            let base = offset
                .checked_sub(back)
                .ok_or_else(|| anyhow!("bad delta base offset"))?;
            Entry::OfsDelta(base, Vec::new())
        }
        7 => {
            let mut id = [0u8; 20];
            file.read_exact(&mut id)?;
            Entry::RefDelta(Oid(id), Vec::new())
        }
        c => Entry::Whole(
            Kind::from_pack(c).ok_or_else(|| anyhow!("unknown pack object type {c}"))?,
            Vec::new(),
        ),
    };
    let mut data = Vec::with_capacity(size.min(64 << 20) as usize);
    ZlibDecoder::new(&mut *file)
        .take(size)
        .read_to_end(&mut data)?;
    if data.len() as u64 != size {
        bail!("pack entry at {offset} is shorter than announced");
    }
    Ok(match entry {
        Entry::Whole(k, _) => Entry::Whole(k, data),
        Entry::OfsDelta(b, _) => Entry::OfsDelta(b, data),
        Entry::RefDelta(b, _) => Entry::RefDelta(b, data),
    })
}

/// Applies a git delta to `base`.
fn apply_delta(base: &[u8], delta: &[u8]) -> Result<Vec<u8>> {
    fn varint(d: &[u8], pos: &mut usize) -> Result<usize> {
        let (mut value, mut shift) = (0usize, 0);
        loop {
            let b = *d.get(*pos).ok_or_else(|| anyhow!("truncated delta"))?;
            *pos += 1;
            value |= usize::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
    }
    let mut pos = 0;
    let src_len = varint(delta, &mut pos)?;
    let dst_len = varint(delta, &mut pos)?;
    if src_len != base.len() {
        bail!("delta base size mismatch");
    }
    let mut out = Vec::with_capacity(dst_len);
    while pos < delta.len() {
        let cmd = delta[pos];
        pos += 1;
        if cmd & 0x80 != 0 {
            let mut field = |bits: u8, bytes: usize| -> Result<usize> {
                let mut v = 0usize;
                for i in 0..bytes {
                    if bits & (1 << i) != 0 {
                        let b = *delta.get(pos).ok_or_else(|| anyhow!("truncated delta"))?;
                        pos += 1;
                        v |= usize::from(b) << (8 * i);
                    }
                }
                Ok(v)
            };
            let offset = field(cmd & 0x0f, 4)?;
            let size = match field((cmd >> 4) & 0x07, 3)? {
                0 => 0x10000,
                n => n,
            };
            let chunk = base
                .get(offset..offset + size)
                .ok_or_else(|| anyhow!("delta copies outside its base"))?;
            out.extend_from_slice(chunk);
        } else if cmd != 0 {
            let n = usize::from(cmd);
            let chunk = delta
                .get(pos..pos + n)
                .ok_or_else(|| anyhow!("truncated delta"))?;
            out.extend_from_slice(chunk);
            pos += n;
        } else {
            bail!("reserved delta instruction");
        }
    }
    if out.len() != dst_len {
        bail!("delta result size mismatch");
    }
    Ok(out)
}

/// The object store and refs of one work tree.
#[derive(Debug)]
pub struct Store {
    git_dir: PathBuf,
    common_dir: PathBuf,
    object_dirs: Vec<PathBuf>,
    packs: Vec<Pack>,
    cache: Mutex<Cache>,
}

#[derive(Debug, Default)]
struct Cache {
    objects: HashMap<Oid, Object>,
    bytes: usize,
}

const CACHE_BYTES: usize = 64 << 20;

impl Store {
    /// The store of the work tree whose root is `dir`, shared by every caller in the process.
    pub fn for_work_tree(dir: &Path) -> Result<Arc<Store>> {
        static STORES: OnceLock<Mutex<HashMap<PathBuf, Arc<Store>>>> = OnceLock::new();
        let stores = STORES.get_or_init(Default::default);
        let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        if let Some(s) = stores.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(s.clone());
        }
        let store = Arc::new(Store::open(&key)?);
        stores
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, store.clone());
        Ok(store)
    }

    pub fn open(dir: &Path) -> Result<Store> {
        let dot_git = dir.join(".git");
        let git_dir = if dot_git.is_dir() {
            dot_git
        } else if dot_git.is_file() {
            let text = std::fs::read_to_string(&dot_git)?;
            let target = text
                .trim()
                .strip_prefix("gitdir:")
                .ok_or_else(|| anyhow!("{}: no gitdir line", dot_git.display()))?;
            dir.join(target.trim())
        } else {
            bail!("{} is not the root of a git work tree", dir.display());
        };
        let common_dir = match std::fs::read_to_string(git_dir.join("commondir")) {
            Ok(rel) => git_dir.join(rel.trim()),
            Err(_) => git_dir.clone(),
        };
        if let Ok(config) = std::fs::read_to_string(common_dir.join("config")) {
            let lower = config.to_ascii_lowercase();
            if lower.contains("objectformat") && lower.contains("sha256") {
                bail!("SHA-256 repositories are not supported");
            }
        }
        let mut object_dirs = vec![common_dir.join("objects")];
        if !object_dirs[0].is_dir() {
            bail!("{} has no object store", common_dir.display());
        }
        let mut i = 0;
        while i < object_dirs.len() && i < 8 {
            let alternates = object_dirs[i].join("info/alternates");
            if let Ok(text) = std::fs::read_to_string(alternates) {
                for line in text.lines().map(str::trim) {
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    let alt = object_dirs[i].join(line);
                    if alt.is_dir() && !object_dirs.contains(&alt) {
                        object_dirs.push(alt);
                    }
                }
            }
            i += 1;
        }
        let mut packs = Vec::new();
        for objects in &object_dirs {
            let Ok(entries) = std::fs::read_dir(objects.join("pack")) else {
                continue;
            };
            let mut idx: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "idx"))
                .collect();
            idx.sort();
            for p in idx {
                if p.with_extension("pack").is_file() {
                    packs.push(Pack::open(&p)?);
                }
            }
        }
        Ok(Store {
            git_dir,
            common_dir,
            object_dirs,
            packs,
            cache: Mutex::default(),
        })
    }

    /// An object's kind and contents.
    pub fn read(&self, oid: &Oid) -> Result<Object> {
        if let Some(o) = self.cache().objects.get(oid) {
            return Ok(o.clone());
        }
        let (kind, data) = self.read_uncached(oid)?;
        let object = (kind, Arc::new(data));
        if object.1.len() <= CACHE_BYTES / 16 {
            let mut cache = self.cache();
            if cache.bytes + object.1.len() > CACHE_BYTES {
                cache.objects.clear();
                cache.bytes = 0;
            }
            cache.bytes += object.1.len();
            cache.objects.insert(*oid, object.clone());
        }
        Ok(object)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn read_uncached(&self, oid: &Oid) -> Result<(Kind, Vec<u8>)> {
        let hex = oid.hex();
        for objects in &self.object_dirs {
            let path = objects.join(&hex[..2]).join(&hex[2..]);
            if let Ok(file) = File::open(&path) {
                let mut raw = Vec::new();
                ZlibDecoder::new(BufReader::new(file))
                    .read_to_end(&mut raw)
                    .with_context(|| format!("{}", path.display()))?;
                let nul = raw
                    .iter()
                    .position(|b| *b == 0)
                    .ok_or_else(|| anyhow!("{hex}: bad loose object header"))?;
                let header = &raw[..nul];
                let space = header
                    .iter()
                    .position(|b| *b == b' ')
                    .ok_or_else(|| anyhow!("{hex}: bad loose object header"))?;
                let kind = Kind::from_name(&header[..space])
                    .ok_or_else(|| anyhow!("{hex}: unknown object type"))?;
                return Ok((kind, raw[nul + 1..].to_vec()));
            }
        }
        for pack in &self.packs {
            if let Some(offset) = pack.find(oid) {
                return self.read_packed(pack, offset);
            }
        }
        bail!("object {hex} is not in the repository")
    }

    /// Resolves the delta chain that starts at `offset`, bases first.
    fn read_packed(&self, pack: &Pack, offset: u64) -> Result<(Kind, Vec<u8>)> {
        let mut file = BufReader::new(
            File::open(&pack.pack).with_context(|| format!("{}", pack.pack.display()))?,
        );
        let mut deltas = Vec::new();
        let mut at = offset;
        let (kind, mut data) = loop {
            match read_entry(&mut file, at)? {
                Entry::Whole(kind, data) => break (kind, data),
                Entry::OfsDelta(base, delta) => {
                    deltas.push(delta);
                    at = base;
                }
                Entry::RefDelta(base, delta) => {
                    deltas.push(delta);
                    let (kind, data) = self.read(&base)?;
                    break (kind, data.as_ref().clone());
                }
            }
            if deltas.len() > 10_000 {
                bail!("delta chain too long");
            }
        };
        for delta in deltas.iter().rev() {
            data = apply_delta(&data, delta)?;
        }
        Ok((kind, data))
    }

    /// The object a ref name points to, following symbolic refs.
    fn resolve_ref(&self, name: &str) -> Option<Oid> {
        let mut name = name.to_string();
        for _ in 0..10 {
            let loose = [self.git_dir.join(&name), self.common_dir.join(&name)]
                .into_iter()
                .find_map(|p| std::fs::read_to_string(p).ok());
            let text = match loose {
                Some(t) => t,
                None => return self.packed_ref(&name),
            };
            let text = text.trim();
            match text.strip_prefix("ref:") {
                Some(target) => name = target.trim().to_string(),
                None => return Oid::from_hex(text),
            }
        }
        None
    }

    fn packed_ref(&self, name: &str) -> Option<Oid> {
        let text = std::fs::read_to_string(self.common_dir.join("packed-refs")).ok()?;
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with('^'))
            .find_map(|l| {
                let (id, r) = l.split_once(' ')?;
                (r.trim() == name).then(|| Oid::from_hex(id)).flatten()
            })
    }

    /// The commit `rev` names: a full hex id, HEAD, or a ref name as git expands it; tags are
    /// peeled.
    pub fn commit(&self, rev: &str) -> Result<Oid> {
        let found = Oid::from_hex(rev).or_else(|| {
            if rev.contains("..") || rev.starts_with('/') {
                return None;
            }
            [
                rev.to_string(),
                format!("refs/{rev}"),
                format!("refs/tags/{rev}"),
                format!("refs/heads/{rev}"),
                format!("refs/remotes/{rev}"),
                format!("refs/remotes/{rev}/HEAD"),
            ]
            .iter()
            .filter(|n| n.as_str() == "HEAD" || n.starts_with("refs/") || n.ends_with("_HEAD"))
            .find_map(|n| self.resolve_ref(n))
        });
        let mut oid = found.ok_or_else(|| anyhow!("unknown revision {rev}"))?;
        for _ in 0..10 {
            let (kind, data) = self.read(&oid)?;
            match kind {
                Kind::Commit => return Ok(oid),
                Kind::Tag => {
                    oid = header_field(&data, b"object")
                        .ok_or_else(|| anyhow!("tag {} names no object", oid.hex()))?;
                }
                _ => bail!("{rev} is not a commit"),
            }
        }
        bail!("{rev}: tag chain too long")
    }

    fn root_tree(&self, commit: &Oid) -> Result<Oid> {
        let (_, data) = self.read(commit)?;
        header_field(&data, b"tree").ok_or_else(|| anyhow!("commit {} has no tree", commit.hex()))
    }

    /// The entry at `path` (slash-separated, from the root) in the tree of `commit`.
    fn lookup(&self, commit: &Oid, path: &str) -> Result<Option<(u32, Oid)>> {
        let mut current = (0o040000, self.root_tree(commit)?);
        for part in path.split('/').filter(|p| !p.is_empty()) {
            if current.0 != 0o040000 {
                return Ok(None);
            }
            let (kind, data) = self.read(&current.1)?;
            if kind != Kind::Tree {
                bail!("{} is not a tree", current.1.hex());
            }
            match tree_entries(&data)?
                .into_iter()
                .find(|(_, name, _)| name == part.as_bytes())
            {
                Some((mode, _, oid)) => current = (mode, oid),
                None => return Ok(None),
            }
        }
        Ok(Some(current))
    }

    /// A file's contents at `commit`; `None` when no file is at that path.
    pub fn file(&self, commit: &Oid, path: &str) -> Result<Option<Vec<u8>>> {
        match self.lookup(commit, path)? {
            Some((mode, oid)) if mode & 0o170000 == 0o100000 || mode & 0o170000 == 0o120000 => {
                let (kind, data) = self.read(&oid)?;
                if kind != Kind::Blob {
                    bail!("{path} is not a blob");
                }
                Ok(Some(data.as_ref().clone()))
            }
            _ => Ok(None),
        }
    }

    /// The paths of files (and submodules) at `commit` under `prefix`, as `git ls-tree -r
    /// --name-only` lists them: a directory prefix lists everything below it.
    pub fn paths(&self, commit: &Oid, prefix: &str) -> Result<Vec<String>> {
        let trimmed = prefix.trim_matches('/');
        let Some((mode, oid)) = self.lookup(commit, trimmed)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        if mode != 0o040000 {
            if !prefix.ends_with('/') {
                out.push(trimmed.to_string());
            }
            return Ok(out);
        }
        let mut stack = vec![(trimmed.to_string(), oid)];
        while let Some((dir, tree)) = stack.pop() {
            let (_, data) = self.read(&tree)?;
            let mut subdirs = Vec::new();
            for (mode, name, oid) in tree_entries(&data)? {
                let name = String::from_utf8_lossy(&name);
                let path = if dir.is_empty() {
                    name.into_owned()
                } else {
                    format!("{dir}/{name}")
                };
                if mode == 0o040000 {
                    subdirs.push((path, oid));
                } else {
                    out.push(path);
                }
            }
            stack.extend(subdirs.into_iter().rev());
        }
        // git lists in byte order of the full path (trees sort as if named with a trailing '/').
        out.sort();
        Ok(out)
    }
}

/// `name <hex>` from a commit's or tag's header.
fn header_field(data: &[u8], name: &[u8]) -> Option<Oid> {
    for line in data.split(|b| *b == b'\n') {
        if line.is_empty() {
            break;
        }
        if let Some(rest) = line.strip_prefix(name).and_then(|r| r.strip_prefix(b" ")) {
            return Oid::from_hex(std::str::from_utf8(rest).ok()?);
        }
    }
    None
}

/// A tree object's entries: mode, name, id.
fn tree_entries(data: &[u8]) -> Result<Vec<(u32, Vec<u8>, Oid)>> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let space = rest
            .iter()
            .position(|b| *b == b' ')
            .ok_or_else(|| anyhow!("bad tree entry"))?;
        let mode = u32::from_str_radix(std::str::from_utf8(&rest[..space])?, 8)?;
        let nul = rest
            .iter()
            .position(|b| *b == 0)
            .ok_or_else(|| anyhow!("bad tree entry"))?;
        let name = rest[space + 1..nul].to_vec();
        let id: [u8; 20] = rest
            .get(nul + 1..nul + 21)
            .ok_or_else(|| anyhow!("truncated tree"))?
            .try_into()?;
        out.push((mode, name, Oid(id)));
        rest = &rest[nul + 21..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_copies_and_inserts() {
        let base = b"hello, world";
        // src 12, dst 11; copy offset 0 size 5; insert "!!"; copy offset 7 size 4 ("worl").
        let delta = [12, 11, 0x90, 5, 2, b'!', b'!', 0x91, 7, 4];
        assert_eq!(apply_delta(base, &delta).unwrap(), b"hello!!worl");
        assert!(apply_delta(b"short", &delta).is_err());
    }

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
            .args(args)
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn write(dir: &Path, path: &str, text: &str) {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// A repository with two commits, nested folders, a symlink, names that sort around '/',
    /// and a large file edited a little (so packs hold deltas).
    fn sample_repo() -> Option<tempfile::TempDir> {
        if std::process::Command::new("git")
            .arg("--version")
            .output()
            .is_err()
        {
            eprintln!("no git CLI: skipped");
            return None;
        }
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        git(d, &["init", "-q", "--initial-branch=main"]);
        let big: String = (0..3000)
            .map(|i| format!("line {i} of the schema\n"))
            .collect();
        write(d, "db/schema.rb", &big);
        write(d, "db/migrate/20240101000000_a.rb", "class A; end\n");
        write(d, "db/migrate/20240102000000_b.rb", "class B; end\n");
        write(d, "app/models/user.rb", "class User; end\n");
        write(d, "app.rb", "x\n");
        write(d, "app-x/y.rb", "y\n");
        write(d, "README.md", "read me\n");
        std::os::unix::fs::symlink("README.md", d.join("LINK")).unwrap();
        git(d, &["add", "-A"]);
        git(d, &["commit", "-q", "-m", "base"]);
        git(d, &["tag", "-a", "-m", "v1", "v1"]);
        git(d, &["checkout", "-q", "-b", "feature"]);
        write(
            d,
            "db/schema.rb",
            &big.replace("line 1500 ", "line 1500 changed "),
        );
        write(d, "db/migrate/20240103000000_c.rb", "class C; end\n");
        std::fs::remove_file(d.join("app.rb")).unwrap();
        git(d, &["add", "-A"]);
        git(d, &["commit", "-q", "-m", "feature"]);
        Some(t)
    }

    /// Everything the store reads agrees with the git CLI.
    fn assert_matches_cli(dir: &Path) {
        let store = Store::open(dir).unwrap();
        for rev in ["HEAD", "main", "feature", "v1", "refs/tags/v1", "HEAD~1"] {
            let expected = git(dir, &["rev-parse", &format!("{rev}^{{commit}}")]);
            if rev == "HEAD~1" {
                assert!(
                    store.commit(rev).is_err(),
                    "ancestry syntax is not supported"
                );
                let hex = expected.trim();
                assert_eq!(store.commit(hex).unwrap().hex(), hex);
                continue;
            }
            assert_eq!(store.commit(rev).unwrap().hex(), expected.trim(), "{rev}");
        }
        assert!(store.commit("nope").is_err());
        for rev in ["main", "feature"] {
            let c = store.commit(rev).unwrap();
            for prefix in [
                "",
                "db/migrate/",
                "db/migrate",
                "app/",
                "app",
                "nothing/",
                "LINK",
            ] {
                let spec = if prefix.is_empty() { "." } else { prefix };
                let cli: Vec<String> = git(dir, &["ls-tree", "-r", "--name-only", rev, "--", spec])
                    .lines()
                    .map(str::to_string)
                    .collect();
                assert_eq!(store.paths(&c, prefix).unwrap(), cli, "{rev} {prefix:?}");
            }
            for path in store.paths(&c, "").unwrap() {
                let cli = git(dir, &["show", &format!("{rev}:{path}")]);
                let ours = String::from_utf8(store.file(&c, &path).unwrap().unwrap()).unwrap();
                assert_eq!(ours, cli, "{rev}:{path}");
            }
            assert_eq!(store.file(&c, "db/missing.rb").unwrap(), None);
            assert_eq!(store.file(&c, "db").unwrap(), None, "a folder is no file");
        }
    }

    #[test]
    fn reads_loose_objects_like_git() {
        let Some(t) = sample_repo() else { return };
        assert_matches_cli(t.path());
    }

    #[test]
    fn reads_packs_with_offset_and_ref_deltas_like_git() {
        let Some(t) = sample_repo() else { return };
        git(t.path(), &["gc", "-q", "--aggressive"]);
        git(t.path(), &["pack-refs", "--all"]);
        assert!(!t.path().join(".git/refs/heads/main").exists());
        let pack = std::fs::read_dir(t.path().join(".git/objects/pack"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "idx"))
            .unwrap();
        let verify = git(t.path(), &["verify-pack", "-v", pack.to_str().unwrap()]);
        assert!(
            verify.lines().any(|l| l.split_whitespace().count() >= 7),
            "no delta in the pack"
        );
        assert_matches_cli(t.path());
        git(
            t.path(),
            &[
                "-c",
                "repack.useDeltaBaseOffset=false",
                "repack",
                "-q",
                "-a",
                "-d",
                "-f",
            ],
        );
        assert_matches_cli(t.path());
    }

    #[test]
    fn reads_a_shallow_clone_and_a_linked_work_tree() {
        let Some(t) = sample_repo() else { return };
        let clone = tempfile::tempdir().unwrap();
        let url = format!("file://{}", t.path().display());
        git(
            clone.path(),
            &[
                "clone", "-q", "--depth", "1", "--branch", "feature", &url, "ws",
            ],
        );
        let ws = clone.path().join("ws");
        let store = Store::open(&ws).unwrap();
        let head = git(&ws, &["rev-parse", "HEAD"]);
        assert_eq!(store.commit("HEAD").unwrap().hex(), head.trim());
        assert_eq!(
            store.commit("origin/feature").unwrap().hex(),
            head.trim(),
            "refs/remotes DWIM"
        );
        let base = git(t.path(), &["rev-parse", "main"]);
        assert!(
            store.commit(base.trim()).is_err(),
            "the base is not in a depth-1 clone"
        );
        let c = store.commit("HEAD").unwrap();
        assert!(store
            .file(&c, "db/migrate/20240103000000_c.rb")
            .unwrap()
            .is_some());

        let linked = clone.path().join("linked");
        git(
            t.path(),
            &[
                "worktree",
                "add",
                "-q",
                "--detach",
                linked.to_str().unwrap(),
                "main",
            ],
        );
        let store = Store::open(&linked).unwrap();
        assert_eq!(store.commit("HEAD").unwrap().hex(), base.trim());
        assert_eq!(
            store.commit("feature").unwrap().hex(),
            git(t.path(), &["rev-parse", "feature"]).trim()
        );
    }

    #[test]
    fn a_folder_outside_git_is_an_error() {
        let t = tempfile::tempdir().unwrap();
        assert!(Store::open(t.path()).is_err());
    }

    #[test]
    fn hex_round_trips() {
        let hex = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(Oid::from_hex(hex).unwrap().hex(), hex);
        assert!(Oid::from_hex("xyz").is_none());
    }
}
