import NIOCore

extension ChannelHandlerContext {
    /// Pauses or resumes reading by switching the channel's `autoRead` (on the channel's loop);
    /// the channel drops or registers its read interest only when the value changes. A channel
    /// that refuses the option is closed: it could not be paused.
    func setReadsPaused(_ paused: Bool) {
        do {
            try channel.syncOptions?.setOption(ChannelOptions.autoRead, value: !paused)
        } catch {
            close(promise: nil)
        }
    }
}
