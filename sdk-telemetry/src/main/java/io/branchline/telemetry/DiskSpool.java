package io.branchline.telemetry;

import com.azure.core.util.logging.ClientLogger;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Telemetry batches kept on disk while ingestion cannot take them: one gzip file of newline-delimited envelopes per
 * batch, named {@code <millis>-<seq>-<random>-n<items>.ndjson.gz} (no key or host in names), written atomically
 * (temp file, fsync, rename) and readable only by the owner where the file system has POSIX permissions.
 *
 * <p>Caps: when a batch would push the spool over its byte cap, the oldest files are deleted first (newest telemetry
 * is the most useful after an outage) and their items counted as dropped {@code spool_full}; files older than the
 * age cap are deleted and counted {@code spool_expired}. A file that cannot be read back is renamed
 * {@code *.corrupt}, warned about once and counted {@code corrupt}. Thread-safe (synchronized).
 */
final class DiskSpool {
    static final String SUFFIX = ".ndjson.gz";
    static final String CORRUPT_SUFFIX = ".corrupt";
    private static final String TEMP_PREFIX = ".tmp-";
    /** The file whose OS lock marks a folder as in use by one exporter. */
    static final String LOCK_FILE = ".lock";
    /** Prefix of the per-process sub-folders of a default spool folder held by another process. */
    static final String PROCESS_PREFIX = "process-";
    private static final AtomicLong SUBFOLDERS = new AtomicLong();
    private static final Pattern NAME = Pattern.compile("(\\d{15})-(\\d{9})-([0-9a-f]{8})-n(\\d{1,9})"
        + Pattern.quote(SUFFIX));
    private static final AtomicLong SEQ = new AtomicLong();

    private final Path dir;
    private final long maxBytes;
    private final Duration maxAge;
    private final Clock clock;
    private final SelfCounters counters;
    private final WarnOnce warnings;
    private final ClientLogger logger;
    private final boolean posix;
    /** The default folder whose per-process sub-folders this spool adopts when their process died; else null. */
    private final Path orphanRoot;
    private FileChannel lockChannel;
    private FileLock lock;
    private long bytes;
    private int files;
    private long items;
    private boolean opened;

    DiskSpool(Path dir, long maxBytes, Duration maxAge, Clock clock, SelfCounters counters, WarnOnce warnings,
        ClientLogger logger) {
        this(dir, null, maxBytes, maxAge, clock, counters, warnings, logger);
    }

    DiskSpool(Path dir, Path orphanRoot, long maxBytes, Duration maxAge, Clock clock, SelfCounters counters,
        WarnOnce warnings, ClientLogger logger) {
        this.dir = dir;
        this.orphanRoot = orphanRoot;
        this.maxBytes = maxBytes;
        this.maxAge = maxAge;
        this.clock = clock;
        this.counters = counters;
        this.warnings = warnings;
        this.logger = logger;
        this.posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    Path directory() {
        return dir;
    }

    /** The outcome of {@link #lock(Path)}. */
    enum LockResult { LOCKED, HELD_ELSEWHERE, UNAVAILABLE }

    /**
     * Takes the OS lock of a folder (creating it owner-only): one exporter per folder, in this process or another.
     * The lock goes when the process dies, so a folder left by a crash can be taken again.
     */
    static LockResult tryLock(Path dir, FileChannel[] channel, FileLock[] lock) {
        try {
            createFolder(dir);
            Set<StandardOpenOption> options = Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileChannel ch = dir.getFileSystem().supportedFileAttributeViews().contains("posix")
                ? FileChannel.open(dir.resolve(LOCK_FILE), options,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : FileChannel.open(dir.resolve(LOCK_FILE), options);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // held by another exporter of this process
            }
            if (l == null) {
                ch.close();
                return LockResult.HELD_ELSEWHERE;
            }
            channel[0] = ch;
            lock[0] = l;
            return LockResult.LOCKED;
        } catch (IOException | RuntimeException e) {
            return LockResult.UNAVAILABLE;
        }
    }

    /**
     * Locks this spool's folder for this exporter.
     *
     * @return whether it is locked, held by another exporter, or cannot be used at all (then writes fail and are
     *     counted {@code spool_unwritable})
     */
    synchronized LockResult lock() {
        FileChannel[] ch = new FileChannel[1];
        FileLock[] l = new FileLock[1];
        LockResult r = tryLock(dir, ch, l);
        lockChannel = ch[0];
        lock = l[0];
        return r;
    }

    /** Keeps a lock taken with {@link #tryLock(Path, FileChannel[], FileLock[])} on this spool's folder. */
    synchronized void holdLock(FileChannel channel, FileLock held) {
        lockChannel = channel;
        lock = held;
    }

    /** Releases the folder's lock. */
    synchronized void unlock() {
        try {
            if (lock != null) {
                lock.release();
            }
            if (lockChannel != null) {
                lockChannel.close();
            }
        } catch (IOException e) {
            logger.verbose("telemetry spool: releasing the lock failed: " + e.getClass().getSimpleName());
        } finally {
            lock = null;
            lockChannel = null;
        }
    }

    /** A new per-process sub-folder name under a default spool folder. */
    static String processFolderName() {
        return PROCESS_PREFIX + ProcessHandle.current().pid() + "-" + SUBFOLDERS.incrementAndGet();
    }

    /**
     * Moves the batches of per-process sub-folders whose process is gone (their lock can be taken) into this folder,
     * so they are sent, then removes those sub-folders.
     */
    private void adoptOrphans() throws IOException {
        if (orphanRoot == null || !Files.isDirectory(orphanRoot)) {
            return;
        }
        List<Path> siblings = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(orphanRoot, PROCESS_PREFIX + "*")) {
            for (Path p : ds) {
                if (!p.equals(dir) && Files.isDirectory(p)) {
                    siblings.add(p);
                }
            }
        }
        for (Path sibling : siblings) {
            FileChannel[] ch = new FileChannel[1];
            FileLock[] l = new FileLock[1];
            if (tryLock(sibling, ch, l) != LockResult.LOCKED) {
                continue; // its process is alive
            }
            int moved = 0;
            try {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(sibling, "*" + SUFFIX)) {
                    for (Path f : ds) {
                        if (f.getFileName().toString().startsWith(TEMP_PREFIX)) {
                            continue;
                        }
                        Files.move(f, dir.resolve(f.getFileName()), StandardCopyOption.ATOMIC_MOVE);
                        moved++;
                    }
                }
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(sibling)) {
                    for (Path f : ds) {
                        if (!f.getFileName().toString().equals(LOCK_FILE)) {
                            Files.deleteIfExists(f);
                        }
                    }
                }
                Files.deleteIfExists(sibling.resolve(LOCK_FILE));
            } finally {
                l[0].release();
                ch[0].close();
            }
            Files.deleteIfExists(sibling);
            if (moved > 0) {
                logger.info("Telemetry spool: took over " + moved + " batch file(s) left in " + sibling
                    + " by a process that stopped; they are sent from " + dir);
            }
        }
    }

    private static void createFolder(Path folder) throws IOException {
        if (Files.isDirectory(folder)) {
            return;
        }
        if (folder.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createDirectories(folder, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(folder);
        }
    }

    /** Creates the folder (owner-only), removes temp files left by a crash, and counts what is there. */
    synchronized boolean open() {
        if (opened) {
            return true;
        }
        try {
            createFolder(dir);
            try {
                adoptOrphans();
            } catch (IOException | RuntimeException e) {
                logger.verbose("telemetry spool: taking over folders of stopped processes failed: "
                    + e.getClass().getSimpleName());
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, TEMP_PREFIX + "*")) {
                for (Path p : ds) {
                    Files.deleteIfExists(p);
                }
            }
            opened = true;
            recount();
            return true;
        } catch (IOException | RuntimeException e) {
            warnings.warn("spool-open", "Telemetry spool folder " + dir + " cannot be used ("
                + e.getClass().getSimpleName() + "); telemetry that cannot be sent will be dropped and counted as"
                + " spool_unwritable. Give the process a writable folder (spoolDirectory /"
                + " branchline.telemetry.spool-directory)");
            return false;
        }
    }

    private void recount() throws IOException {
        long b = 0;
        int n = 0;
        long i = 0;
        for (Path p : list()) {
            try {
                b += Files.size(p);
                n++;
                i += itemCount(p);
            } catch (NoSuchFileException ignored) {
                // deleted meanwhile
            }
        }
        bytes = b;
        files = n;
        items = i;
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized int files() {
        return files;
    }

    /** @return the telemetry items in the spool now */
    synchronized long items() {
        return items;
    }

    /**
     * Writes a batch; makes room by dropping the oldest files.
     *
     * @param lines the envelopes
     * @param createdMillis the batch's age, kept across rewrites; 0 for now
     * @return whether the batch was written (else it was dropped and counted)
     */
    synchronized boolean write(List<byte[]> lines, long createdMillis) {
        if (lines.isEmpty()) {
            return true;
        }
        if (!opened && !open()) {
            counters.drop(SelfCounters.SPOOL_UNWRITABLE, lines.size());
            return false;
        }
        Path tmp = null;
        byte[] data = gzip(lines);
        if (data.length > maxBytes) {
            counters.drop(SelfCounters.SPOOL_FULL, lines.size());
            warnings.warn("spool-full", "A telemetry batch of " + data.length + " bytes exceeds the spool cap of "
                + maxBytes + " bytes (spoolMaxBytes); dropped");
            return false;
        }
        try {
            expire();
            List<Path> all = list();
            int i = 0;
            while (bytes + data.length > maxBytes && i < all.size()) {
                Path oldest = all.get(i++);
                long size = sizeOf(oldest);
                if (Files.deleteIfExists(oldest)) {
                    bytes -= size;
                    files--;
                    items -= itemCount(oldest);
                    counters.drop(SelfCounters.SPOOL_FULL, itemCount(oldest));
                    warnings.warn("spool-full", "Telemetry spool reached its cap of " + maxBytes
                        + " bytes (spoolMaxBytes); the oldest batches are dropped to keep the newest");
                }
            }
            long millis = createdMillis > 0 ? createdMillis : clock.millis();
            String name = String.format("%015d-%09d-%08x-n%d%s", Math.max(0, millis), SEQ.incrementAndGet() % 1_000_000_000L,
                ThreadLocalRandom.current().nextInt(), lines.size(), SUFFIX);
            tmp = dir.resolve(TEMP_PREFIX + name);
            Path target = dir.resolve(name);
            try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                ownerOnly())) {
                ByteBuffer buf = ByteBuffer.wrap(data);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
            bytes += data.length;
            files++;
            items += lines.size();
            counters.spooled.addAndGet(lines.size());
            return true;
        } catch (IOException | RuntimeException e) {
            counters.drop(SelfCounters.SPOOL_UNWRITABLE, lines.size());
            warnings.warn("spool-write", "Telemetry spool folder " + dir + " cannot be written ("
                + e.getClass().getSimpleName() + "); the batch is dropped and counted as spool_unwritable");
            return false;
        } finally {
            if (tmp != null) {
                // never leave a partial file behind, whatever stopped the write
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException | RuntimeException ignored) {
                    // removed by the next open()
                }
            }
        }
    }

    private FileAttribute<?>[] ownerOnly() {
        if (!posix) {
            return new FileAttribute<?>[0];
        }
        Set<PosixFilePermission> perms = PosixFilePermissions.fromString("rw-------");
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(perms)};
    }

    /** Deletes files older than the age cap, counting their items as expired. */
    synchronized void expire() {
        if (!opened) {
            return;
        }
        long cutoff = clock.millis() - maxAge.toMillis();
        try {
            for (Path p : list()) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches() && Long.parseLong(m.group(1)) < cutoff) {
                    long size = sizeOf(p);
                    if (Files.deleteIfExists(p)) {
                        bytes -= size;
                        files--;
                        items -= Long.parseLong(m.group(4));
                        counters.drop(SelfCounters.SPOOL_EXPIRED, Long.parseLong(m.group(4)));
                        warnings.warn("spool-expired", "Telemetry older than " + maxAge
                            + " (spoolMaxAge) was dropped from the spool");
                    }
                }
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + CORRUPT_SUFFIX)) {
                for (Path p : ds) {
                    if (Files.getLastModifiedTime(p).toMillis() < cutoff) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            logger.verbose("telemetry spool: expiry failed: " + e.getClass().getSimpleName());
        }
    }

    /** @return up to {@code max} spool files, oldest first */
    synchronized List<Path> oldest(int max) {
        if (!opened) {
            return List.of();
        }
        try {
            List<Path> all = list();
            return all.size() <= max ? all : new ArrayList<>(all.subList(0, max));
        } catch (IOException e) {
            return List.of();
        }
    }

    private List<Path> list() throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path p : ds) {
                if (!p.getFileName().toString().startsWith(TEMP_PREFIX)) {
                    out.add(p);
                }
            }
        }
        out.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        return out;
    }

    /**
     * A batch read back: its envelopes, and the file's bytes, which are already the gzip body a request sends (so a
     * drain does not compress again what was compressed when it was spooled).
     */
    record Batch(List<byte[]> lines, byte[] gzipped) {
    }

    /**
     * Reads a batch back, checking every envelope; a file that cannot be read is set aside as {@code *.corrupt}.
     *
     * @return the batch, or {@code null} when the file is gone or was corrupt
     */
    synchronized Batch read(Path p) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            setAside(p, e.getClass().getSimpleName());
            return null;
        }
        try {
            List<byte[]> lines = gunzip(raw);
            if (lines.isEmpty()) {
                throw new IOException("no envelopes");
            }
            return new Batch(lines, raw);
        } catch (IOException | RuntimeException e) {
            setAside(p, e.getClass().getSimpleName());
            return null;
        }
    }

    private void setAside(Path p, String why) {
        long size = sizeOf(p);
        try {
            Files.move(p, p.resolveSibling(p.getFileName() + CORRUPT_SUFFIX), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
        bytes -= size;
        files--;
        items -= itemCount(p);
        counters.drop(SelfCounters.CORRUPT, itemCount(p));
        warnings.warn("spool-corrupt", "Telemetry spool file " + p.getFileName() + " cannot be read (" + why
            + "); it was renamed *" + CORRUPT_SUFFIX + " and skipped");
    }

    synchronized void delete(Path p) {
        long size = sizeOf(p);
        try {
            if (Files.deleteIfExists(p)) {
                bytes -= size;
                files--;
                items -= itemCount(p);
            }
        } catch (IOException e) {
            warnings.warn("spool-delete", "Telemetry spool file " + p.getFileName() + " cannot be deleted ("
                + e.getClass().getSimpleName() + "); it may be sent twice");
        }
    }

    static long createdMillis(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : 0;
    }

    static long itemCount(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(4)) : 0;
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    static byte[] gzip(List<byte[]> lines) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bos, 8192)) {
            for (byte[] line : lines) {
                gz.write(line);
                gz.write('\n');
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bos.toByteArray();
    }

    static List<byte[]> gunzip(byte[] raw) throws IOException {
        byte[] text;
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
            text = in.readAllBytes();
        }
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= text.length; i++) {
            if (i == text.length || text[i] == '\n') {
                if (i > start) {
                    if (text[start] != '{' || text[i - 1] != '}') {
                        throw new IOException("line is not a JSON object");
                    }
                    byte[] line = new byte[i - start];
                    System.arraycopy(text, start, line, 0, line.length);
                    lines.add(line);
                }
                start = i + 1;
            }
        }
        return lines;
    }
}
