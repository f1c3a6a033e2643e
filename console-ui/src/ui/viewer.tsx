// The full-size photo viewer: wheel / + - to zoom, drag to pan, double-click for 100 % or fit,
// ← → to step through the photos, Esc to close. It takes every key while it is open.
import { useEffect, useRef, useState } from "preact/hooks";
import { setOverlayKeys } from "../keys";

export interface ViewerItem {
  key: string;
  title: string;
  /** one line of facts under the picture */
  info: string;
  thumbUrl: string | null;
  fullUrl: string | null;
}

interface ViewerProps {
  items: ViewerItem[];
  index: number;
  onIndex: (index: number) => void;
  onClose: () => void;
  /** Fresh pre-signed links (an expired one fails to load); true when they came. */
  refresh: () => Promise<boolean>;
}

interface View {
  scale: number;
  fit: number;
  x: number;
  y: number;
}

const MAX_SCALE = 8;

export function PhotoViewer({ items, index, onIndex, onClose, refresh }: ViewerProps) {
  const n = items.length;
  const at = n ? ((index % n) + n) % n : 0;
  const item = items[at];
  // A picture that has loaded stays while fresh links arrive (the zoom is kept); a new link is
  // used for the next photo, or when this one failed.
  const [pinned, setPinned] = useState<{ key: string; src: string } | null>(null);
  const latest = item ? item.fullUrl || item.thumbUrl || "" : "";
  const src = item && pinned?.key === item.key ? pinned.src : latest;
  const [view, setView] = useState<View>({ scale: 1, fit: 1, x: 0, y: 0 });
  const [shown, setShown] = useState<{ src: string; failed: boolean } | null>(null);
  const stageRef = useRef<HTMLDivElement>(null);
  const imgRef = useRef<HTMLImageElement>(null);
  const dragRef = useRef<{ x: number; y: number; id: number } | null>(null);
  const retriedRef = useRef<string | null>(null);
  const [dragging, setDragging] = useState(false);

  const loaded = shown !== null && shown.src === src && !shown.failed;
  const failed = shown !== null && shown.src === src && shown.failed;

  const fitImage = () => {
    const img = imgRef.current;
    const stage = stageRef.current?.getBoundingClientRect();
    if (!img || !stage) return;
    const w = img.naturalWidth || 1;
    const h = img.naturalHeight || 1;
    const fit = Math.min((stage.width - 24) / w, (stage.height - 24) / h, 1);
    setView({ scale: fit, fit, x: (stage.width - w * fit) / 2, y: (stage.height - h * fit) / 2 });
  };

  const zoomAt = (factor: number, cx?: number, cy?: number) => {
    const stage = stageRef.current?.getBoundingClientRect();
    if (!stage) return;
    setView((v) => {
      const px = cx ?? stage.width / 2;
      const py = cy ?? stage.height / 2;
      const next = Math.min(MAX_SCALE, Math.max(Math.min(v.fit, 1) * 0.5, v.scale * factor));
      const ratio = next / v.scale;
      return { ...v, scale: next, x: px - (px - v.x) * ratio, y: py - (py - v.y) * ratio };
    });
  };

  const step = (delta: number) => {
    if (n > 1) onIndex((at + delta + n) % n);
  };

  // Keys, the page behind kept still, and the picture fitted again when the window resizes.
  const keysRef = useRef<(e: KeyboardEvent) => void>(() => undefined);
  useEffect(() => {
    keysRef.current = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
      else if (e.key === "ArrowLeft") step(-1);
      else if (e.key === "ArrowRight") step(1);
      else if (e.key === "+" || e.key === "=") zoomAt(1.25);
      else if (e.key === "-" || e.key === "_") zoomAt(0.8);
      else if (e.key === "0") fitImage();
      else return;
      e.preventDefault();
    };
  });
  const viewRef = useRef(view);
  useEffect(() => {
    viewRef.current = view;
  }, [view]);
  const fitRef = useRef(fitImage);
  useEffect(() => {
    fitRef.current = fitImage;
  });
  useEffect(() => {
    setOverlayKeys((e) => keysRef.current(e));
    document.body.style.overflow = "hidden";
    const onResize = () => {
      const v = viewRef.current;
      if (Math.abs(v.scale - v.fit) < 1e-6) fitRef.current();
    };
    window.addEventListener("resize", onResize);
    return () => {
      setOverlayKeys(null);
      document.body.style.overflow = "";
      window.removeEventListener("resize", onResize);
    };
  }, []);

  // The wheel zooms at the pointer (a listener that may cancel the page's scrolling).
  const zoomRef = useRef(zoomAt);
  useEffect(() => {
    zoomRef.current = zoomAt;
  });
  useEffect(() => {
    const stage = stageRef.current;
    if (!stage) return undefined;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const rect = stage.getBoundingClientRect();
      zoomRef.current(Math.exp(-e.deltaY * 0.0015), e.clientX - rect.left, e.clientY - rect.top);
    };
    stage.addEventListener("wheel", onWheel, { passive: false });
    return () => stage.removeEventListener("wheel", onWheel);
  }, []);

  const onError = async () => {
    if (!src) return;
    if (retriedRef.current !== src) {
      retriedRef.current = src; // most likely an expired link: fetch fresh ones once
      setPinned(null);
      if (await refresh()) return; // the new link arrives as a new src
    }
    setShown({ src, failed: true });
  };

  const onPointerDown = (e: PointerEvent) => {
    if (e.button !== 0 || (e.target as Element).closest("button")) return;
    const v = viewRef.current;
    dragRef.current = { x: e.clientX - v.x, y: e.clientY - v.y, id: e.pointerId };
    stageRef.current?.setPointerCapture(e.pointerId);
    setDragging(true);
  };
  const onPointerMove = (e: PointerEvent) => {
    const drag = dragRef.current;
    if (!drag || drag.id !== e.pointerId) return;
    setView((v) => ({ ...v, x: e.clientX - drag.x, y: e.clientY - drag.y }));
  };
  const endDrag = () => {
    dragRef.current = null;
    setDragging(false);
  };
  const onDblClick = (e: MouseEvent) => {
    if ((e.target as Element).closest("button")) return;
    const rect = stageRef.current?.getBoundingClientRect();
    if (!rect) return;
    if (view.scale > view.fit * 1.01) fitImage();
    else zoomAt(1 / view.scale, e.clientX - rect.left, e.clientY - rect.top); // 100 %
  };

  let message: string | null = null;
  if (failed) message = "图片加载失败，请重新加载赔案后再试。";
  else if (!loaded) message = "加载中…";

  return (
    <div class="viewer" id="viewer" data-testid="viewer">
      <div class="viewer-bar">
        <span class="viewer-title" id="viewer-title" data-testid="viewer-title">
          {item ? `${item.title}（${at + 1}/${n}）` : ""}
        </span>
        <span class="spacer" />
        <span class="viewer-zoom" id="viewer-zoom" data-testid="viewer-zoom">
          {`${Math.round(view.scale * 100)}%`}
        </span>
        <button
          type="button"
          id="viewer-out"
          data-testid="viewer-zoom-out"
          title="缩小 (-)"
          onClick={() => zoomAt(0.8)}
        >
          −
        </button>
        <button
          type="button"
          id="viewer-in"
          data-testid="viewer-zoom-in"
          title="放大 (+)"
          onClick={() => zoomAt(1.25)}
        >
          +
        </button>
        <button
          type="button"
          id="viewer-fit"
          data-testid="viewer-fit"
          title="适应窗口 (0)"
          onClick={fitImage}
        >
          适应
        </button>
        <a
          id="viewer-open"
          href={src || "#"}
          target="_blank"
          rel="noopener noreferrer"
          title="在新窗口打开原图"
        >
          原图
        </a>
        <button
          type="button"
          id="viewer-close"
          data-testid="viewer-close"
          title="关闭 (Esc)"
          onClick={onClose}
        >
          关闭
        </button>
      </div>
      <div
        class={dragging ? "viewer-stage dragging" : "viewer-stage"}
        id="viewer-stage"
        data-testid="viewer-stage"
        ref={stageRef}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={endDrag}
        onPointerCancel={endDrag}
        onDblClick={onDblClick}
      >
        <button
          type="button"
          class="viewer-nav prev"
          id="viewer-prev"
          data-testid="viewer-prev"
          title="上一张 (←)"
          disabled={n < 2}
          onClick={() => step(-1)}
        >
          ‹
        </button>
        <img
          id="viewer-img"
          data-testid="viewer-img"
          ref={imgRef}
          src={src || undefined}
          alt={item?.title ?? ""}
          draggable={false}
          style={{
            visibility: loaded ? "visible" : "hidden",
            transform: `translate(${view.x}px, ${view.y}px) scale(${view.scale})`,
          }}
          onLoad={() => {
            if (item) setPinned({ key: item.key, src });
            setShown({ src, failed: false });
            fitImage();
          }}
          onError={() => void onError()}
        />
        <button
          type="button"
          class="viewer-nav next"
          id="viewer-next"
          data-testid="viewer-next"
          title="下一张 (→)"
          disabled={n < 2}
          onClick={() => step(1)}
        >
          ›
        </button>
        <p class="viewer-msg" id="viewer-msg" hidden={message === null}>
          {message}
        </p>
      </div>
      <div class="viewer-info" id="viewer-info" data-testid="viewer-info">
        {item?.info ?? ""}
      </div>
    </div>
  );
}
