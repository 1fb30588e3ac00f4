/**
 * On-disk structures of ext2: superblock, group descriptor, inode, directory
 * entry. Offsets and flags follow Linux's fs/ext2/ext2.h and "The Second
 * Extended File System" by Dave Poirier (referred to below as "the spec");
 * the ext4-era feature bits come from e2fsprogs' lib/ext2fs/ext2_fs.h.
 * All fields are little-endian.
 *
 * Everything here is pure parsing and validation; it does no I/O.
 */

import { EINVAL } from '../kernel/abi/errno.js';
import { FsError } from './types.js';

/** The superblock always starts 1024 bytes into the device (spec §3.1). */
export const SUPERBLOCK_OFFSET = 1024;
export const SUPERBLOCK_SIZE = 1024;
export const EXT2_MAGIC = 0xef53;
export const ROOT_INO = 2;

/** s_rev_level values (spec §3.1.23). */
export const EXT2_GOOD_OLD_REV = 0;
export const EXT2_DYNAMIC_REV = 1;
/** Revision 0 fixes these; revision 1 stores them in the superblock. */
export const EXT2_GOOD_OLD_INODE_SIZE = 128;
export const EXT2_GOOD_OLD_FIRST_INO = 11;

/** i_block[]: 12 direct pointers, then single, double, triple indirect (spec §3.5.13). */
export const EXT2_NDIR_BLOCKS = 12;
export const EXT2_IND_BLOCK = 12;
export const EXT2_DIND_BLOCK = 13;
export const EXT2_TIND_BLOCK = 14;
export const EXT2_N_BLOCKS = 15;

/** Longest name a directory entry can hold (EXT2_NAME_LEN). */
export const EXT2_NAME_LEN = 255;

/** s_creator_os (spec §3.1.22). */
export const EXT2_OS_LINUX = 0;
export const EXT2_OS_HURD = 1;

// s_feature_compat: the filesystem may be read and written without knowing these.
export const COMPAT_DIR_PREALLOC = 0x0001;
export const COMPAT_IMAGIC_INODES = 0x0002;
export const COMPAT_HAS_JOURNAL = 0x0004;
export const COMPAT_EXT_ATTR = 0x0008;
export const COMPAT_RESIZE_INODE = 0x0010;
export const COMPAT_DIR_INDEX = 0x0020;

// s_feature_incompat: a reader that does not know one of these must refuse to mount.
export const INCOMPAT_COMPRESSION = 0x0001;
export const INCOMPAT_FILETYPE = 0x0002;
export const INCOMPAT_RECOVER = 0x0004;
export const INCOMPAT_JOURNAL_DEV = 0x0008;
export const INCOMPAT_META_BG = 0x0010;
export const INCOMPAT_EXTENTS = 0x0040;
export const INCOMPAT_64BIT = 0x0080;
export const INCOMPAT_MMP = 0x0100;
export const INCOMPAT_FLEX_BG = 0x0200;
export const INCOMPAT_EA_INODE = 0x0400;
export const INCOMPAT_DIRDATA = 0x1000;
export const INCOMPAT_CSUM_SEED = 0x2000;
export const INCOMPAT_LARGEDIR = 0x4000;
export const INCOMPAT_INLINE_DATA = 0x8000;
export const INCOMPAT_ENCRYPT = 0x10000;
export const INCOMPAT_CASEFOLD = 0x20000;

// s_feature_ro_compat: a reader may ignore these; a writer must refuse unknown ones.
export const RO_COMPAT_SPARSE_SUPER = 0x0001;
export const RO_COMPAT_LARGE_FILE = 0x0002;
export const RO_COMPAT_BTREE_DIR = 0x0004;
export const RO_COMPAT_HUGE_FILE = 0x0008;
/** RO_COMPAT features a writer may keep writing under (Linux's EXT2_FEATURE_RO_COMPAT_SUPP). */
export const RO_COMPAT_WRITABLE = RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE | RO_COMPAT_BTREE_DIR;

/**
 * INCOMPAT features this reader handles. FILETYPE adds a type byte to
 * dirents; META_BG moves group descriptors (handled in groupDescriptorBlock);
 * FLEX_BG only lets bitmaps and inode tables live outside their group, and we
 * always take their location from the group descriptor, so it needs nothing.
 */
export const INCOMPAT_SUPPORTED = INCOMPAT_FILETYPE | INCOMPAT_META_BG | INCOMPAT_FLEX_BG;

const INCOMPAT_NAMES: ReadonlyArray<[number, string]> = [
  [INCOMPAT_COMPRESSION, 'compression'],
  [INCOMPAT_FILETYPE, 'filetype'],
  [INCOMPAT_RECOVER, 'needs_recovery (the ext3/ext4 journal must be replayed first: run e2fsck)'],
  [INCOMPAT_JOURNAL_DEV, 'journal_dev (this is an external journal, not a filesystem)'],
  [INCOMPAT_META_BG, 'meta_bg'],
  [INCOMPAT_EXTENTS, 'extents (an ext4 filesystem: rebuild the image with mke2fs -t ext2)'],
  [INCOMPAT_64BIT, '64bit (rebuild the image with mke2fs -t ext2)'],
  [INCOMPAT_MMP, 'mmp'],
  [INCOMPAT_FLEX_BG, 'flex_bg'],
  [INCOMPAT_EA_INODE, 'ea_inode'],
  [INCOMPAT_DIRDATA, 'dirdata'],
  [INCOMPAT_CSUM_SEED, 'metadata_csum_seed'],
  [INCOMPAT_LARGEDIR, 'large_dir'],
  [INCOMPAT_INLINE_DATA, 'inline_data'],
  [INCOMPAT_ENCRYPT, 'encrypt'],
  [INCOMPAT_CASEFOLD, 'casefold'],
];

/** Human names of the INCOMPAT bits set in `bits` (unknown bits as hex). */
export function incompatNames(bits: number): string[] {
  const names: string[] = [];
  let rest = bits >>> 0;
  for (const [bit, name] of INCOMPAT_NAMES) {
    if (rest & bit) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest) names.push(`unknown incompat bits 0x${rest.toString(16)}`);
  return names;
}

/** The superblock fields this reader uses (spec §3.1). */
export interface Superblock {
  inodesCount: number;
  blocksCount: number;
  firstDataBlock: number;
  logBlockSize: number;
  blockSize: number;
  blocksPerGroup: number;
  inodesPerGroup: number;
  magic: number;
  creatorOs: number;
  revLevel: number;
  firstIno: number;
  inodeSize: number;
  featureCompat: number;
  featureIncompat: number;
  featureRoCompat: number;
  /** s_first_meta_bg: first group whose descriptors are placed META_BG-style. */
  firstMetaBg: number;
  /** s_r_blocks_count, s_free_blocks_count, s_free_inodes_count (kept current by a writable mount). */
  rBlocksCount: number;
  freeBlocksCount: number;
  freeInodesCount: number;
  /** Number of block groups, derived from the counts above. */
  groupCount: number;
}

function corrupt(what: string): FsError {
  return new FsError(EINVAL, `corrupt ext2 superblock: ${what}`);
}

/**
 * Parse and sanity-check the 1024-byte superblock. Throws FsError (EINVAL,
 * like Linux's mount) with a sentence naming the problem. Checks mirror
 * ext2_fill_super() in fs/ext2/super.c.
 */
export function parseSuperblock(raw: Uint8Array): Superblock {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const magic = v.getUint16(56, true);
  if (magic !== EXT2_MAGIC) {
    throw new FsError(EINVAL, `not an ext2 filesystem: bad magic 0x${magic.toString(16).padStart(4, '0')} (expected 0xef53)`);
  }
  const inodesCount = v.getUint32(0, true);
  const blocksCount = v.getUint32(4, true);
  const firstDataBlock = v.getUint32(20, true);
  const logBlockSize = v.getUint32(24, true);
  const blocksPerGroup = v.getUint32(32, true);
  const inodesPerGroup = v.getUint32(40, true);
  const creatorOs = v.getUint32(72, true);
  const revLevel = v.getUint32(76, true);

  if (revLevel > EXT2_DYNAMIC_REV) {
    throw new FsError(EINVAL, `unsupported ext2 feature: revision ${revLevel} (only revisions 0 and 1 exist)`);
  }
  // Linux accepts 1 KiB to 64 KiB blocks (EXT2_MIN_BLOCK_SIZE..EXT2_MAX_BLOCK_SIZE).
  if (logBlockSize > 6) {
    throw corrupt(`absurd block size 1024 << ${logBlockSize} (ext2 blocks are 1 KiB to 64 KiB)`);
  }
  const blockSize = 1024 << logBlockSize;

  let firstIno = EXT2_GOOD_OLD_FIRST_INO;
  let inodeSize = EXT2_GOOD_OLD_INODE_SIZE;
  let featureCompat = 0;
  let featureIncompat = 0;
  let featureRoCompat = 0;
  let firstMetaBg = 0;
  if (revLevel === EXT2_DYNAMIC_REV) {
    firstIno = v.getUint32(84, true);
    inodeSize = v.getUint16(88, true);
    featureCompat = v.getUint32(92, true);
    featureIncompat = v.getUint32(96, true);
    featureRoCompat = v.getUint32(100, true);
    firstMetaBg = v.getUint32(260, true);
    // Inode size must be a power of two between 128 and the block size.
    if (inodeSize < EXT2_GOOD_OLD_INODE_SIZE || inodeSize > blockSize || (inodeSize & (inodeSize - 1)) !== 0) {
      throw corrupt(`inode size ${inodeSize} is not a power of two between 128 and the block size ${blockSize}`);
    }
    if (firstIno < EXT2_GOOD_OLD_FIRST_INO) {
      throw corrupt(`first non-reserved inode ${firstIno} is below 11`);
    }
  }

  const unsupported = featureIncompat & ~INCOMPAT_SUPPORTED;
  if (unsupported) {
    throw new FsError(EINVAL, `unsupported ext2 feature: ${incompatNames(unsupported).join(', ')}`);
  }

  if (blocksPerGroup === 0) throw corrupt('zero blocks per group');
  if (inodesPerGroup === 0) throw corrupt('zero inodes per group');
  if (inodesCount === 0) throw corrupt('zero inodes');
  if (blocksCount === 0) throw corrupt('zero blocks');
  // A group's block and inode bitmaps are one block each (spec §3.3, §3.4).
  if (blocksPerGroup > blockSize * 8) {
    throw corrupt(`${blocksPerGroup} blocks per group do not fit one ${blockSize}-byte bitmap`);
  }
  if (inodesPerGroup > blockSize * 8) {
    throw corrupt(`${inodesPerGroup} inodes per group do not fit one ${blockSize}-byte bitmap`);
  }
  // With 1 KiB blocks the superblock is block 1 and s_first_data_block is 1; otherwise 0.
  const expectedFirst = blockSize === 1024 ? 1 : 0;
  if (firstDataBlock !== expectedFirst) {
    throw corrupt(`first data block is ${firstDataBlock}, expected ${expectedFirst} for ${blockSize}-byte blocks`);
  }
  if (blocksCount <= firstDataBlock) {
    throw corrupt(`block count ${blocksCount} leaves no room after the first data block`);
  }
  if (firstIno > inodesCount) throw corrupt(`first inode ${firstIno} is beyond the inode count ${inodesCount}`);

  const groupCount = Math.ceil((blocksCount - firstDataBlock) / blocksPerGroup);
  // Linux checks s_inodes_count against groups * inodes per group the same way.
  if (inodesCount > groupCount * inodesPerGroup) {
    throw corrupt(`${inodesCount} inodes do not fit ${groupCount} groups of ${inodesPerGroup}`);
  }

  return {
    inodesCount, blocksCount, firstDataBlock, logBlockSize, blockSize, blocksPerGroup, inodesPerGroup,
    magic, creatorOs, revLevel, firstIno, inodeSize, featureCompat, featureIncompat, featureRoCompat,
    firstMetaBg, groupCount,
    rBlocksCount: v.getUint32(8, true),
    freeBlocksCount: v.getUint32(12, true),
    freeInodesCount: v.getUint32(16, true),
  };
}

/** Size of a group descriptor without the 64bit feature (spec §3.2). */
export const GROUP_DESC_SIZE = 32;

/**
 * Block holding the descriptor of `group`. Without META_BG the table follows
 * the superblock in block s_first_data_block + 1. With META_BG, groups from
 * s_first_meta_bg on are split into meta groups of (blockSize / 32) groups,
 * each with its one block of descriptors in the first block of the meta
 * group's first group (backups in its second and last group), see
 * ext2_get_group_desc / descriptor_loc() in fs/ext2/super.c.
 */
export function groupDescriptorLocation(sb: Superblock, group: number): { block: number; offset: number } {
  const perBlock = sb.blockSize / GROUP_DESC_SIZE;
  const metaGroup = Math.floor(group / perBlock);
  const offset = (group % perBlock) * GROUP_DESC_SIZE;
  if (!(sb.featureIncompat & INCOMPAT_META_BG) || metaGroup < sb.firstMetaBg) {
    return { block: sb.firstDataBlock + 1 + metaGroup, offset };
  }
  const firstGroup = metaGroup * perBlock;
  // The first block of the group, plus one if that group holds a superblock backup.
  const block = sb.firstDataBlock + firstGroup * sb.blocksPerGroup + (groupHasSuper(sb, firstGroup) ? 1 : 0);
  return { block, offset };
}

/**
 * Whether a group carries a superblock backup: every group without
 * SPARSE_SUPER, else groups 0, 1 and powers of 3, 5 and 7 (spec §3.1.31).
 */
export function groupHasSuper(sb: Superblock, group: number): boolean {
  if (!(sb.featureRoCompat & RO_COMPAT_SPARSE_SUPER)) return true;
  if (group <= 1) return true;
  return isPowerOf(group, 3) || isPowerOf(group, 5) || isPowerOf(group, 7);
}

function isPowerOf(n: number, base: number): boolean {
  let x = base;
  while (x < n) x *= base;
  return x === n;
}

/** Block count of the classic (non-META_BG) descriptor table after the superblock. */
export function descriptorTableBlocks(sb: Superblock): number {
  const perBlock = sb.blockSize / GROUP_DESC_SIZE;
  const groups = sb.featureIncompat & INCOMPAT_META_BG ? Math.min(sb.groupCount, sb.firstMetaBg * perBlock) : sb.groupCount;
  return Math.ceil(groups / perBlock);
}

/** Group descriptor fields the reader uses (spec §3.2). */
export interface GroupDesc {
  blockBitmap: number;
  inodeBitmap: number;
  inodeTable: number;
  /** bg_free_blocks_count, bg_free_inodes_count, bg_used_dirs_count (u16 each). */
  freeBlocksCount: number;
  freeInodesCount: number;
  usedDirsCount: number;
}

export function parseGroupDesc(block: Uint8Array, offset: number): GroupDesc {
  const v = new DataView(block.buffer, block.byteOffset + offset, GROUP_DESC_SIZE);
  return {
    blockBitmap: v.getUint32(0, true),
    inodeBitmap: v.getUint32(4, true),
    inodeTable: v.getUint32(8, true),
    freeBlocksCount: v.getUint16(12, true),
    freeInodesCount: v.getUint16(14, true),
    usedDirsCount: v.getUint16(16, true),
  };
}

/** Raw inode fields (spec §3.5; the Linux osd2 layout from fs/ext2/ext2.h). */
export interface RawInode {
  mode: number;
  uid: number;
  sizeLo: number;
  atime: number;
  ctime: number;
  mtime: number;
  dtime: number;
  gid: number;
  linksCount: number;
  /** i_blocks: 512-byte sectors (spec §3.5.9). */
  blocks: number;
  flags: number;
  /** i_block[0..14]. */
  block: Uint32Array;
  fileAcl: number;
  /** i_size_high for regular files, i_dir_acl for directories (spec §3.5.17). */
  sizeHigh: number;
  /** osd2.linux2 l_i_blocks_hi (ext4 HUGE_FILE). */
  blocksHigh: number;
  /** osd2.linux2 l_i_uid_high / l_i_gid_high. */
  uidHigh: number;
  gidHigh: number;
}

/** Parse the first 128 bytes of an inode record at `offset` in `buf`. */
export function parseInode(buf: Uint8Array, offset: number): RawInode {
  const v = new DataView(buf.buffer, buf.byteOffset + offset, EXT2_GOOD_OLD_INODE_SIZE);
  const block = new Uint32Array(EXT2_N_BLOCKS);
  for (let i = 0; i < EXT2_N_BLOCKS; i++) block[i] = v.getUint32(40 + 4 * i, true);
  return {
    mode: v.getUint16(0, true),
    uid: v.getUint16(2, true),
    sizeLo: v.getUint32(4, true),
    // Linux reads the times as signed 32-bit seconds (ext2_iget).
    atime: v.getInt32(8, true),
    ctime: v.getInt32(12, true),
    mtime: v.getInt32(16, true),
    dtime: v.getUint32(20, true),
    gid: v.getUint16(24, true),
    linksCount: v.getUint16(26, true),
    blocks: v.getUint32(28, true),
    flags: v.getUint32(32, true),
    block,
    fileAcl: v.getUint32(104, true),
    sizeHigh: v.getUint32(108, true),
    blocksHigh: v.getUint16(116, true),
    uidHigh: v.getUint16(120, true),
    gidHigh: v.getUint16(122, true),
  };
}

/** i_flags bits we look at (fs/ext2/ext2.h, e2fsprogs ext2_fs.h). */
export const EXT2_INDEX_FL = 0x00001000;
export const EXT4_HUGE_FILE_FL = 0x00040000;
export const EXT4_EXTENTS_FL = 0x00080000;
export const EXT4_INLINE_DATA_FL = 0x10000000;

/**
 * Directory entry (spec §4.1, struct ext2_dir_entry_2): inode u32, rec_len
 * u16, name_len u8, file_type u8, name. Without the FILETYPE feature the
 * name_len is a u16 and there is no type byte (revision 0 layout).
 */
export const DIRENT_HEADER = 8;

/** Smallest rec_len that can hold a name of `nameLen` bytes (EXT2_DIR_REC_LEN). */
export function direntRecLen(nameLen: number): number {
  return (nameLen + DIRENT_HEADER + 3) & ~3;
}

/** File types stored in dirents with the FILETYPE feature (EXT2_FT_*). */
export const EXT2_FT_UNKNOWN = 0;
export const EXT2_FT_MAX = 8;
