import CDLKernels

/// The max-pooling gradient the trainer uses: it has the forward's output at hand, so a window's
/// maximum need not be searched for again.
extension MaxPool2D {
    /// dX from dY and the forward's output Y (as `forward` computed it from X): each dY goes to
    /// the first tap of its window, in row-major order, that equals the window's maximum, as in
    /// `backward(_:input:outputGrad:inputGrad:)`. For 2×2 stride-2 windows that all lie inside
    /// the input, `dlk_maxpool_backward_2x2` compares every tap with the maximum without branches
    /// (a data-dependent branch per tap mispredicts about half the time); other geometries
    /// search the window.
    /// Overwrites dX.
    public static func backward(_ p: Pool2DParams, input x: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                                outputGrad dy: UnsafePointer<Float>, inputGrad dx: UnsafeMutablePointer<Float>,
                                isa: Int32 = OpsISA.best) {
        guard p.hasOnlyFull2x2Windows else {
            backward(p, input: x, outputGrad: dy, inputGrad: dx)
            return
        }
        let (oh, ow, w, plane) = (p.outHeight, p.outWidth, p.inWidth, p.inHeight * p.inWidth)
        for nc in 0..<(p.batch * p.channels) {
            let grad = dx + nc * plane
            dlk_maxpool_backward_2x2(isa, x + nc * plane, w, y + nc * oh * ow, dy + nc * oh * ow, grad, oh, ow)
            // an odd last column or row belongs to no window
            if 2 * ow < w {
                for r in 0..<(2 * oh) { (grad + r * w + 2 * ow).update(repeating: 0, count: w - 2 * ow) }
            }
            (grad + 2 * oh * w).update(repeating: 0, count: plane - 2 * oh * w)
        }
    }
}
